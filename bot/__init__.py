"""wardnews: ward news for residents, on Telegram."""

__version__ = "0.1.0"
