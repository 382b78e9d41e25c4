"""The Photos Picker API v1 as the emulator plays it: sessions, mediaItems.list, and media URLs."""

from __future__ import annotations

import base64
import json
import random
import secrets
import uuid
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace

from core.emulator.oauth import AccessToken, Grant
from core.emulator.person import Person
from core.emulator.photos import LibraryItem, PhotoCatalog
from core.emulator.record import Bearer, Recorder
from core.emulator.state import PICKER_SCOPE, SLACK, Settings, World
from core.emulator.wire import Reply, Request, error_info, google_error, json_reply, rfc3339
from core.records import format_duration, is_uuid4

MAX_ITEM_COUNT = 2000
DEFAULT_PAGE, MAX_PAGE = 50, 100
_OUTPUT_ONLY = frozenset({"id", "pickerUri", "pollingConfig", "expireTime", "mediaItemsSet"})


@dataclass
class Session:
    """One picking session and what the scripted person did with it."""

    id: str
    client_id: str
    email: str
    request_id: str | None
    created_at: float
    max_items: int
    scanned_at: float | None = None
    deleted: bool = False
    gone: str | None = None  # "NOT_FOUND" | "PERMISSION_DENIED" once expired by a test
    done_at: float | None = None
    picks: list[LibraryItem] = field(default_factory=list)
    last_get: float | None = None

    @property
    def open(self) -> bool:
        return not self.deleted and self.gone is None


@dataclass(frozen=True)
class MediaUrl:
    """What a baseUrl stands for: an item, handed to one grant at one time."""

    item: LibraryItem
    grant: Grant
    issued_at: float


def videos_among(count: int) -> int:
    """How many of ``count`` picks the scripted person makes videos (when the library has that many)."""
    return count // 4


def choose_picks(
    library: PhotoCatalog, person: Person, count: int, ordinal: int, taken: Set[str] = frozenset()
) -> list[LibraryItem]:
    """Which items the person taps: a seeded shuffle; about a quarter videos, cycling through the statuses.

    The same library seed and session number (``ordinal``) give the same picks, run after run. Without
    videos, or from a small library, fewer than ``count`` items may come back. Items in ``taken`` (picked by
    earlier sessions, for a person with ``new_picks``) come only after every other one.
    """
    rng = random.Random(f"picks:{library.seed}:{ordinal}")
    if not taken:
        return _choose(library.items, person, count, rng)
    chosen = _choose([i for i in library.items if i.id not in taken], person, count, rng)
    if len(chosen) < count:
        chosen += _choose([i for i in library.items if i.id in taken], person, count - len(chosen), rng)
    return chosen


def _choose(items: list[LibraryItem], person: Person, count: int, rng: random.Random) -> list[LibraryItem]:
    photos = [i for i in items if i.type == "PHOTO"]
    pools: dict[str, list[LibraryItem]] = {}
    if person.include_videos:
        for item in items:
            if item.video_status:
                pools.setdefault(item.video_status, []).append(item)
    shuffled = [rng.sample(pool, len(pool)) for _, pool in sorted(pools.items())]
    want_videos = min(videos_among(count), sum(len(p) for p in shuffled))
    chosen: list[LibraryItem] = []
    while len(chosen) < want_videos:
        for pool in shuffled:
            if pool and len(chosen) < want_videos:
                chosen.append(pool.pop())
    chosen += rng.sample(photos, min(len(photos), count - len(chosen)))
    leftovers = [item for pool in shuffled for item in pool]
    chosen += leftovers[: max(0, count - len(chosen))]
    rng.shuffle(chosen)
    return chosen


class Picker:
    """Sessions and media items. Callers hold the emulator lock for everything but rendering bytes."""

    def __init__(
        self,
        settings: Settings,
        world: World,
        recorder: Recorder,
        library: PhotoCatalog,
        base_url: Callable[[], str],
    ) -> None:
        self._s = settings
        self._world = world
        self._recorder = recorder
        self._library = library
        self._base_url = base_url
        self.sessions: dict[str, Session] = {}
        self.created: list[str] = []
        self.picked: set[str] = set()  # every item any session picked, for a person who picks new ones
        self.request_ids: list[str | None] = []
        self._urls: dict[str, MediaUrl] = {}

    # -- authentication shared by every Picker call and media fetch ------------------------------------------

    @staticmethod
    def check_token(bearer: Bearer, token: AccessToken | None) -> Reply | AccessToken:
        if bearer != "valid" or token is None:
            return google_error(
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
                "cookie or other valid authentication credential.",
                details=[error_info("ACCESS_TOKEN_EXPIRED" if bearer == "expired" else "CREDENTIALS_MISSING")],
            )
        if PICKER_SCOPE not in token.grant.scopes:
            return google_error(
                "PERMISSION_DENIED",
                "Request had insufficient authentication scopes.",
                details=[error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", method="google.photos.picker.v1")],
            )
        return token

    # -- the scripted person --------------------------------------------------------------------------

    def _advance(self, session: Session, now: float) -> None:
        """Latch the person's Done once its time has come (decided lazily, at request time)."""
        if session.done_at is not None or not session.open:
            return
        person = self._world.person
        streamlined = person.streamlined and session.request_id is not None
        start = session.created_at if streamlined else session.scanned_at
        if start is None:
            return
        done_at = start + person.pick_after
        if now >= done_at and done_at < session.created_at + self._s.session_timeout:
            session.done_at = done_at
            count = max(0, min(person.pick_count, session.max_items, len(self._library.items)))
            ordinal = self.created.index(session.id)
            taken = self.picked if person.new_picks else frozenset()
            session.picks = choose_picks(self._library, person, count, ordinal, taken) if count else []
            self.picked.update(item.id for item in session.picks)

    def _json(self, session: Session, now: float) -> dict[str, object]:
        self._advance(session, now)
        deadline = session.created_at + self._s.session_timeout
        answer: dict[str, object] = {"id": session.id, "pickerUri": f"{self._base_url()}/pick/{session.id}"}
        if session.done_at is None:
            answer["pollingConfig"] = {
                "pollInterval": format_duration(self._s.poll_interval),
                "timeoutIn": format_duration(round(max(0.0, deadline - now), 6)),
            }
        answer["expireTime"] = rfc3339(self._s.wall(deadline), self._world.fraction_digits)
        answer["pickingConfig"] = {"maxItemCount": str(session.max_items)}
        answer["mediaItemsSet"] = session.done_at is not None
        return answer

    def _find(self, sid: str, token: AccessToken) -> Session | Reply:
        session = self.sessions.get(sid)
        if session is None or session.deleted or session.client_id != token.grant.client_id:
            return google_error("NOT_FOUND", "Requested entity was not found.")
        if session.email != token.grant.email or session.gone == "NOT_FOUND":
            return google_error("NOT_FOUND", "Requested entity was not found.")
        if session.gone == "PERMISSION_DENIED":
            return google_error("PERMISSION_DENIED", "The caller does not have permission to access this session.")
        return session

    # -- sessions.create ---------------------------------------------------------------------------------

    def create(self, req: Request, token: AccessToken, now: float) -> Reply:
        request_id = req.arg("requestId")
        self.request_ids.append(request_id)
        if request_id is not None and not is_uuid4(request_id):
            self._recorder.violation("sessions.create with a requestId that is not a UUIDv4")
            return google_error("INVALID_ARGUMENT", "Invalid value for requestId: must be a UUID version 4.")
        max_items = self._max_items(req.body)
        if isinstance(max_items, Reply):
            return max_items
        if self._world.no_photos_account:
            return google_error("FAILED_PRECONDITION", "The user does not have a Google Photos account.")
        grant = token.grant
        mine = [
            s for s in self.sessions.values() if s.open and s.client_id == grant.client_id and s.email == grant.email
        ]
        if request_id is not None:
            # [open] Google does not say what a repeated requestId does. We treat it as an idempotency key:
            # the same open session comes back (a retried create does not open a second one).
            for s in mine:
                if s.request_id is not None and s.request_id.lower() == request_id.lower():
                    return json_reply(self._json(s, now))
        if len(mine) >= self._world.max_open_sessions:
            return google_error(
                "RESOURCE_EXHAUSTED",
                "Too many open picking sessions for this user; delete sessions you no longer need.",
            )
        session = Session(str(uuid.uuid4()), grant.client_id, grant.email, request_id, now, max_items)
        self.sessions[session.id] = session
        self.created.append(session.id)
        return json_reply(self._json(session, now))

    @staticmethod
    def _max_items(body: bytes) -> int | Reply:
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
            return google_error("INVALID_ARGUMENT", "Invalid JSON payload received.")
        if not isinstance(data, dict):
            return google_error("INVALID_ARGUMENT", "Invalid JSON payload received. Expected an object.")
        unknown = set(data) - _OUTPUT_ONLY - {"pickingConfig"}
        if unknown:
            name = sorted(unknown)[0][:40]
            return google_error("INVALID_ARGUMENT", f'Invalid JSON payload received. Unknown name "{name}".')
        config = data.get("pickingConfig") or {}
        if not isinstance(config, dict):
            return google_error("INVALID_ARGUMENT", "pickingConfig must be an object.")
        raw = config.get("maxItemCount", 0)
        try:
            if isinstance(raw, bool) or not isinstance(raw, int | str):
                raise ValueError
            value = int(raw)
        except ValueError:
            return google_error("INVALID_ARGUMENT", "Invalid value for pickingConfig.maxItemCount.")
        if value < 0 or value > MAX_ITEM_COUNT:
            # [open] Google documents 2000 as the maximum; we refuse larger values rather than cut them.
            return google_error("INVALID_ARGUMENT", f"maxItemCount must be between 1 and {MAX_ITEM_COUNT}.")
        return value or MAX_ITEM_COUNT

    # -- sessions.get / sessions.delete -------------------------------------------------------------------

    def get(self, sid: str, token: AccessToken, now: float) -> Reply:
        found = self._find(sid, token)
        if isinstance(found, Reply):
            return found
        previous, found.last_get = found.last_get, now
        if previous is not None and now - previous < self._s.poll_interval - SLACK:
            self._recorder.violation(
                f"sessions.get polled {now - previous:.2f}s after the previous get of the same session "
                f"(pollInterval {self._s.poll_interval:g}s)"
            )
        return json_reply(self._json(found, now))

    def delete(self, sid: str, token: AccessToken) -> Reply:
        found = self._find(sid, token)
        if isinstance(found, Reply):
            return found
        found.deleted = True
        return json_reply({})

    # -- mediaItems.list --------------------------------------------------------------------------------

    def list_items(self, req: Request, token: AccessToken, now: float) -> Reply:
        sid = req.arg("sessionId")
        if not sid:
            return google_error("INVALID_ARGUMENT", "sessionId is required.")
        raw_size = req.arg("pageSize")
        try:
            size = int(raw_size) if raw_size not in (None, "") else 0
        except ValueError:
            return google_error("INVALID_ARGUMENT", "Invalid value for pageSize.")
        if size < 0:
            return google_error("INVALID_ARGUMENT", "pageSize must not be negative.")
        size = DEFAULT_PAGE if size == 0 else min(size, MAX_PAGE)
        found = self._find(sid, token)
        if isinstance(found, Reply):
            return found
        self._advance(found, now)
        if found.done_at is None:
            return google_error("FAILED_PRECONDITION", "The user has not finished picking media items yet.")
        position = _read_page_token(req.arg("pageToken"), sid)
        if position is None:
            return google_error("INVALID_ARGUMENT", "Invalid page token.")
        offset, page = position
        count = size
        if self._world.short_pages:
            # Google may answer short, even empty, pages that still carry a token: play that.
            count = 0 if page == 0 else random.Random(f"{sid}:{offset}:{page}").randint(1, size)
        items = [self._processed(i, found, now) for i in found.picks[offset : offset + count]]
        answer: dict[str, object] = {"mediaItems": [self._item_json(i, token.grant, now) for i in items]}
        end = offset + len(items)
        if end < len(found.picks):
            answer["nextPageToken"] = _page_token(sid, end, page + 1)
        return json_reply(answer)

    def _processed(self, item: LibraryItem, session: Session, now: float) -> LibraryItem:
        """``item`` as Google has it now: a PROCESSING video is READY once ``Person.processing_for`` has passed."""
        wait = self._world.person.processing_for
        done_at = session.done_at
        if item.video_status != "PROCESSING" or wait is None or done_at is None or now < done_at + wait:
            return item
        return dc_replace(item, video_status="READY")

    def _item_json(self, item: LibraryItem, grant: Grant, now: float) -> dict[str, object]:
        key = secrets.token_urlsafe(24)
        self._urls[key] = MediaUrl(item, grant, now)
        meta: dict[str, object] = {"width": item.width, "height": item.height}
        if item.camera_make:
            meta["cameraMake"] = item.camera_make
            meta["cameraModel"] = item.camera_model
        if item.type == "VIDEO":
            meta["videoMetadata"] = {"fps": 30.0, "processingStatus": item.video_status}
        elif item.format == "JPEG":
            meta["photoMetadata"] = {
                "focalLength": 4.2,
                "apertureFNumber": 1.8,
                "isoEquivalent": 100,
                "exposureTime": "0.008s",
            }
        return {
            "id": item.id,
            "createTime": rfc3339(item.create_time, 0),
            "type": item.type,
            "mediaFile": {
                "baseUrl": f"{self._base_url()}/media/{key}",
                "mimeType": item.mime,
                "filename": item.filename,
                "mediaFileMetadata": meta,
            },
        }

    # -- media bytes (authorisation only; rendering happens outside the lock) ----------------------------------

    def media_item(self, key: str, token: AccessToken, now: float) -> LibraryItem | Reply:
        url = self._urls.get(key)
        if url is None:
            return google_error("NOT_FOUND", "Requested entity was not found.")
        if url.grant.revoked or url.grant.email != token.grant.email:
            return google_error("PERMISSION_DENIED", "The caller does not have permission")
        if now - url.issued_at >= self._s.url_lifetime:
            return google_error("PERMISSION_DENIED", "The media URL has expired; list the session again.")
        return url.item

    # -- the page the phone opens ------------------------------------------------------------------------

    def scan(self, sid: str, now: float) -> bool:
        """The phone opened pickerUri; False when the link no longer works (gone, or already Done)."""
        session = self.sessions.get(sid)
        if session is None or not session.open:
            return False
        self._advance(session, now)
        if session.done_at is not None:
            return False
        if session.scanned_at is None:
            session.scanned_at = now
        return True


def _page_token(sid: str, offset: int, page: int) -> str:
    return base64.urlsafe_b64encode(f"{sid}|{offset}|{page}".encode()).decode().rstrip("=")


def _read_page_token(token: str | None, sid: str) -> tuple[int, int] | None:
    """(offset, page number) from a token made for this session; (0, 0) for none; None when not ours."""
    if not token:
        return 0, 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        owner, offset, page = text.split("|")
        if owner != sid:
            return None
        return int(offset), int(page)
    except ValueError:
        return None
