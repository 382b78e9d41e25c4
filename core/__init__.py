"""picker-kiosk's engine: Picker API client, picking flow, local library and a stand-in for Google."""
