"""The Telegram front end: thin handlers around the domain core in `bot`."""
