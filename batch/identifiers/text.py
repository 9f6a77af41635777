"""How IO and polars see text: which characters are blanks, and how long a string is.

Standard library only, so that every rule (the fiscal code's included) can use it and
stay light to import.
"""

from __future__ import annotations

#: Unicode White_Space: what polars' ``strip_chars()`` removes. Python's ``str.strip()``
#: also removes U+001C..U+001F, so scalar code trims with this set to agree with polars.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def trim(text: str) -> str:
    """``text`` without surrounding blanks, exactly as the vectorised checks trim it."""
    return text.strip(WHITESPACE)


def utf16_length(text: str) -> int:
    """``text``'s length as IO (JavaScript) counts it: a character above U+FFFF (most
    emoji) is a surrogate pair, two UTF-16 code units."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)
