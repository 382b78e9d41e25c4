"""The library's photos at one version, held compactly: a Sequence of Photo made on demand from packed columns.

A 50,000-photo library held as Photo objects cost about 15 MB of Python objects (a path string, an id, a
datetime per photo: bench/README.md). Here each photo is its id (the one string kept), 16 bytes of its file
stem, a byte naming its suffixes, its date as an int of microseconds and its size as two ints, about a
hundred bytes in all; a Photo is made only for the photos asked for (the one being prepared, a pair's
look-ahead). A photo that does not fit this shape (a file not named by the library, a date that is not
UTC) is kept whole, as it was given.
"""

from __future__ import annotations

import bisect
import os
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, overload

from core.library.records import Photo

if TYPE_CHECKING:
    from core.library.records import PlayOrder

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NO_DATE = -(2**63)
NO_SIZE = -1
SIZE_MAX = 2**31 - 1
STEM_BYTES = 16


class PhotoList(Sequence[Photo]):
    """The library's photos at one ``version``: one immutable list shared by every reader until the next change.

    A reader that saw this ``version`` already has nothing to compare; ``order`` is the library's fair shuffle.
    ``ids`` are the photos' ids in order (shared, not copied); ``by_id()`` finds photos by id without making
    the others. ``complete`` is False for a list taken before the library's start-up check has run: it holds
    only the photos ``order`` has handed out so far, and every photo ``order`` hands out then belongs to the
    library too.
    """

    version: int
    order: PlayOrder | None
    complete: bool

    def __init__(
        self,
        photos: Iterable[Photo] = (),
        version: int = 0,
        order: PlayOrder | None = None,
        *,
        complete: bool = True,
    ) -> None:
        self.version = version
        self.order = order
        self.complete = complete
        self._ids: list[str] = []
        self._folder: str | None = None
        self._stems = bytearray()
        self._layout = bytearray()  # per photo: an index into _suffixes
        self._suffixes: list[tuple[str, str | None]] = []  # (the file's suffix, its video's suffix or None)
        self._layouts: dict[tuple[str, str | None], int] = {}  # the same, to their index
        self._created = array("q")
        self._sizes = array("i")  # width, height per photo
        self._whole: dict[int, Photo] = {}  # photos that do not fit the packed form, by position
        self._by_id: array[int] | None = None  # positions sorted by id, made on the first look-up
        self.has_videos = False
        self.extend(photos)

    # ---- building (only before the list is handed out) ---------------------------------------------

    def extend(self, photos: Iterable[Photo]) -> None:
        """More photos at the end."""
        for photo in photos:
            self._add(photo)

    def add_file(
        self,
        folder: str,
        photo_id: str,
        file: str,
        created: datetime | None,
        width: int | None,
        height: int | None,
        poster: str | None,
    ) -> None:
        """One photo of the library folder ``folder`` (ending in the separator): ``file`` (or a video's
        ``poster``, ``file`` then being the video) named ``<stem><suffix>``."""
        shown = poster or file
        video = file if poster else None
        self._append(photo_id, folder, shown, video, created, width, height)

    def _add(self, photo: Photo) -> None:
        folder, _, name = photo.path.rpartition(os.sep)
        video = None
        if photo.video is not None:
            vfolder, _, video = photo.video.rpartition(os.sep)
            if vfolder != folder:
                self._keep_whole(photo)
                return
        if not self._append(photo.id, folder + os.sep, name, video, photo.created, photo.width, photo.height):
            self._keep_whole(photo)

    def _append(
        self,
        photo_id: str,
        folder: str,
        name: str,
        video: str | None,
        created: datetime | None,
        width: int | None,
        height: int | None,
    ) -> bool:
        if self._folder is None:
            self._folder = folder
        stem = name[:32]
        try:
            raw = bytes.fromhex(stem)
        except ValueError:
            return False
        if (
            folder != self._folder
            or len(stem) != 32
            or raw.hex() != stem  # lower-case hex only: it must come back the same
            or (video is not None and video[:32] != stem)
            or (created is not None and created.tzinfo is not UTC)
            or (width is not None and not 0 <= width <= SIZE_MAX)
            or (height is not None and not 0 <= height <= SIZE_MAX)
        ):
            return False
        suffixes = (name[32:], None if video is None else video[32:])
        layout = self._layouts.get(suffixes)
        if layout is None:
            if len(self._suffixes) > 255:
                return False
            layout = self._layouts[suffixes] = len(self._suffixes)
            self._suffixes.append(suffixes)
        self._ids.append(photo_id)
        self._stems += raw
        self._layout.append(layout)
        self._created.append(NO_DATE if created is None else (created - EPOCH) // _MICROSECOND)
        self._sizes.append(NO_SIZE if width is None else width)
        self._sizes.append(NO_SIZE if height is None else height)
        if video is not None:
            self.has_videos = True
        return True

    def _keep_whole(self, photo: Photo) -> None:
        self._whole[len(self._ids)] = photo
        self._ids.append(photo.id)
        self._stems += bytes(STEM_BYTES)
        self._layout.append(0)
        self._created.append(NO_DATE)
        self._sizes.extend((NO_SIZE, NO_SIZE))
        self.has_videos |= photo.video is not None

    # ---- reading -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> Photo: ...

    @overload
    def __getitem__(self, index: slice) -> list[Photo]: ...

    def __getitem__(self, index: int | slice) -> Photo | list[Photo]:
        if isinstance(index, slice):
            return [self._photo(i) for i in range(*index.indices(len(self._ids)))]
        if index < 0:
            index += len(self._ids)
        if not 0 <= index < len(self._ids):
            raise IndexError("PhotoList index out of range")
        return self._photo(index)

    def __iter__(self) -> Iterator[Photo]:
        return (self._photo(i) for i in range(len(self._ids)))

    def __contains__(self, item: object) -> bool:
        return isinstance(item, Photo) and self.by_id().get(item.id) == item

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PhotoList | tuple | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PhotoList({len(self)} photos, version={self.version})"

    @property
    def ids(self) -> Sequence[str]:
        """Every photo's id, in order (the list itself: read it, never change it)."""
        return self._ids

    def by_id(self) -> Mapping[str, Photo]:
        """The photos by id (made when asked for; ids are unique in a library's list)."""
        return _ById(self)

    def without_videos(self) -> PhotoList:
        """The same list without its videos (the same object when it has none)."""
        if not self.has_videos:
            return self
        out = PhotoList(version=self.version, order=self.order, complete=self.complete)
        for i in range(len(self._ids)):
            whole = self._whole.get(i)
            if whole is not None:
                if whole.video is None:
                    out._keep_whole(whole)
                continue
            if self._suffixes[self._layout[i]][1] is None:
                out._copy(self, i)
        return out

    def _copy(self, other: PhotoList, i: int) -> None:
        if self._folder is None:
            self._folder = other._folder
        suffixes = other._suffixes[other._layout[i]]
        layout = self._layouts.get(suffixes)
        if layout is None:
            layout = self._layouts[suffixes] = len(self._suffixes)
            self._suffixes.append(suffixes)
        self._ids.append(other._ids[i])
        self._stems += other._stems[i * STEM_BYTES : (i + 1) * STEM_BYTES]
        self._layout.append(layout)
        self._created.append(other._created[i])
        self._sizes.extend(other._sizes[2 * i : 2 * i + 2])

    def _photo(self, i: int) -> Photo:
        whole = self._whole.get(i)
        if whole is not None:
            return whole
        suffix, video = self._suffixes[self._layout[i]]
        base = f"{self._folder}{self._stems[i * STEM_BYTES : (i + 1) * STEM_BYTES].hex()}"
        created = self._created[i]
        width, height = self._sizes[2 * i], self._sizes[2 * i + 1]
        return Photo(
            id=self._ids[i],
            path=base + suffix,
            created=None if created == NO_DATE else EPOCH + timedelta(microseconds=created),
            width=None if width == NO_SIZE else width,
            height=None if height == NO_SIZE else height,
            video=None if video is None else base + video,
        )

    def _position(self, photo_id: str) -> int | None:
        order = self._by_id
        if order is None:  # made once, on the first look-up: 4 bytes a photo
            order = self._by_id = array("I", sorted(range(len(self._ids)), key=self._ids.__getitem__))
        ids = self._ids
        at = bisect.bisect_left(order, photo_id, key=ids.__getitem__)
        if at < len(order) and ids[order[at]] == photo_id:
            return order[at]
        return None


_MICROSECOND = timedelta(microseconds=1)


class _ById(Mapping[str, Photo]):
    """A PhotoList's photos by id: a binary search over its ids, a Photo made for the one asked for."""

    __slots__ = ("_list",)

    def __init__(self, photos: PhotoList) -> None:
        self._list = photos

    def __getitem__(self, photo_id: str) -> Photo:
        at = self._list._position(photo_id)
        if at is None:
            raise KeyError(photo_id)
        return self._list._photo(at)

    def __contains__(self, photo_id: object) -> bool:
        return isinstance(photo_id, str) and self._list._position(photo_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._list.ids)

    def __len__(self) -> int:
        return len(self._list)
