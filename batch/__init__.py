"""io-batch: send personal messages to citizens in bulk through the IO app."""

__version__ = "0.1.0"
