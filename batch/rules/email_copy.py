"""The e-mail copy IO sends of a message, as text: what a citizen reads in the mailbox.

IO builds it in ``prepareBody`` of pagopa/io-messages,
``apps/services-func/src/functions/EmailNotification/utils.ts``:

1. ``markdown.split("---").pop()``: only what follows the LAST ``---`` is kept (any three
   dashes, not only a line of them; a markdown that ends with ``---`` gives an empty copy);
2. the markdown marks are removed by the npm package ``remove-markdown`` (0.5.5, the
   version that ``^0.5.5`` resolves to): ``[text](url)`` keeps ``text``, an image its
   alternative text, headings, emphasis, list bullets, quotes and HTML tags go;
3. the plain text is cut to 134 UTF-16 code units (JavaScript's ``substring``), with
   ``...`` added when it was longer;
4. what is still a URL (``https://...`` with a dot) becomes ``[link rimosso]``;
5. a zero-width space is put after every ``.`` so that no link is clickable: invisible,
   so left out here.

The subject is shown whole above it. No e-mail is sent when the message (or the service)
requires secure channels. Step 2 is ported rule by rule below, with JavaScript's regular
expression meanings spelled out; ``tests/unit/rules/test_email_copy.py`` holds it to texts
that the JavaScript code produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from batch.i18n import N_

#: IO's ``MAX_CHARACTER_FOR_BODY_MAIL``.
BODY_LIMIT = 134
LINK_REMOVED = "[link rimosso]"
ELLIPSIS = "..."

# JavaScript's classes, which differ from Python's: ``\s`` has U+FEFF but not U+001C-1F,
# ``\w`` / ``\d`` are ASCII only, ``.`` stops at every line terminator, and with the ``m``
# flag ``^`` / ``$`` match at each of them (Python's only at ``\n``).
_JS_SPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_S = f"[{_JS_SPACE}]"
_NOT_S = f"[^{_JS_SPACE}]"
_DOT = "[^\n\r\u2028\u2029]"
_NOT_WORD = "[^A-Za-z0-9_]"
_BOL = "(?:(?<![\\s\\S])|(?<=[\n\r\u2028\u2029]))"  # ``^`` under the m flag
_EOL = "(?=[\n\r\u2028\u2029]|(?![\\s\\S]))"  # ``$`` under the m flag


def _js(pattern: str) -> re.Pattern[str]:
    return re.compile(
        pattern.replace("<S>", _S)
        .replace("<NS>", _NOT_S)
        .replace("<D>", _DOT)
        .replace("<W>", _NOT_WORD)
        .replace("<BOL>", _BOL)
        .replace("<EOL>", _EOL)
    )


# remove-markdown 0.5.5 with its default options, in its order: (pattern, replacement).
_HORIZONTAL_RULE = (_js(r"<BOL>(?:-<S>*?|\*<S>*?|_<S>*?){3,}<S>*"), "")
_LIST_LEADER = (_js(r"<BOL>(<S>*)(?:[*\-+]|[0-9]+\.)<S>+"), r"\1")
_GFM = (
    (_js(r"\n={2,}"), "\n"),  # setext heading underline
    (_js(r"~{3}<D>*\n"), ""),  # fenced code opening
    (_js(r"~~"), ""),  # strikethrough
    (_js(r"`{3}<D>*\n"), ""),  # fenced code opening
)
_REST = (
    (_js(r"<[^>]*>"), ""),  # HTML tags (the package runs this twice)
    (_js(r"<[^>]*>"), ""),
    (_js(r"\A[=\-]{2,}<S>*\Z"), ""),  # a setext underline alone
    (_js(r"\[\^<D>+?\](?:: <D>*?\Z)?"), ""),  # footnotes
    (_js(r"<S>{0,2}\[<D>*?\]: <D>*?\Z"), ""),
    (_js(r"!\[(<D>*?)\][\[(]<D>*?[\])]"), r"\1"),  # images: the alternative text
    (_js(r"\[([^\]]*?)\][\[(]<D>*?[\])]"), r"\1"),  # links: the text, not the URL
    (_js(r"<BOL>(\n)?<S>{0,3}><S>?"), r"\1"),  # quotes
    (_js(r"\A<S>{1,2}\[(<D>*?)\]: (<NS>+)(?: \"<D>*?\")?<S>*\Z"), ""),  # reference links
    (  # headings
        _js(
            r"<BOL>(\n)?<S>*#{1,6}<S>*(?: (<D>+))? +#+<EOL>"
            r"|<BOL>(\n)?<S>*#{1,6}<S>*(?: (<D>+))?<EOL>"
        ),
        r"\1\2\3\4",
    ),
    (_js(r"(\*+)(<NS>)(<D>*?<NS>)??\1"), r"\2\3"),  # * emphasis
    (_js(r"(\A|<W>)(_+)(<NS>)(<D>*?<NS>)??\2(\Z|<W>)"), r"\1\3\4\5"),  # _ emphasis
    (_js(r"(`{3,})(<D>*?)\1"), r"\2"),  # code blocks
    (_js(r"`(<D>+?)`"), r"\1"),  # inline code
    (_js(r"~(<D>*?)~"), r"\1"),  # strikethrough
)
# IO's ``removeLinks``: ``%-+`` is a range there too (``%&'()*+``).
_URL = re.compile(r"[A-Za-z0-9_]*://" + _NOT_S + r"*\.[A-Za-z0-9_?/=&%-+#]*")


def strip_markdown(markdown: str) -> str:
    """The plain text ``remove-markdown`` 0.5.5 makes of ``markdown`` (default options)."""
    text = _HORIZONTAL_RULE[0].sub(_HORIZONTAL_RULE[1], markdown)
    text = _LIST_LEADER[0].sub(_LIST_LEADER[1], text)
    for pattern, replacement in (*_GFM, *_REST):
        text = pattern.sub(replacement, text)
    return text


def _truncate(plain: str) -> str:
    """The first 134 UTF-16 code units, and ``...`` when there were more. A cut through a
    surrogate pair leaves half an emoji, which mail readers show as U+FFFD."""
    units = plain.encode("utf-16-le", "surrogatepass")
    if len(units) <= 2 * BODY_LIMIT:
        return plain
    head = units[: 2 * BODY_LIMIT].decode("utf-16-le", "surrogatepass")
    if head and "\ud800" <= head[-1] <= "\udbff":
        head = head[:-1] + "\ufffd"
    return head + ELLIPSIS


def email_body(markdown: str) -> str:
    """The text of the e-mail copy of ``markdown``, as IO builds it (zero-width spaces
    left out)."""
    # Not ``rsplit``: JavaScript splits from the left, so "----" leaves "-" after it.
    after_separator = markdown.split("---")[-1]  # noqa: PLC0207
    return _URL.sub(LINK_REMOVED, _truncate(strip_markdown(after_separator)))


class Emptiness(StrEnum):
    """What is wrong with the beginning of an e-mail copy, if anything."""

    EMPTY = "email_copy.empty"
    GREETING_ONLY = "email_copy.greeting_only"


EMPTY_MESSAGE = N_("IO's e-mail copy shows no text, only the subject")
GREETING_ONLY_MESSAGE = N_("IO's e-mail copy shows only the greeting")

#: What opens a greeting, in IO's languages (it, en, de, fr, sl), lower case: a word, or
#: two when the first alone says nothing ("good", "sehr").
SALUTATIONS = (
    "gentile", "gentili", "gent.", "gent.mo", "gent.ma", "gent.mi", "gentilissimo",
    "gentilissima", "egregio", "egregia", "egr.", "caro", "cara", "cari", "care",
    "spettabile", "spett.le", "buongiorno", "buonasera", "salve", "ciao",
    "dear", "hello", "hi", "good morning", "good afternoon", "good evening",
    "sehr geehrte", "sehr geehrter", "liebe", "lieber", "guten tag", "hallo",
    "bonjour", "bonsoir", "madame", "monsieur", "cher", "chère", "chers", "chères",
    "spoštovani", "spoštovana", "spoštovanja", "pozdravljeni", "dober dan", "draga", "dragi",
)  # fmt: skip
_GREETING_WORDS = 10
_CLAUSE_BREAK = re.compile(r"[,;:!?]")


@dataclass(frozen=True)
class EmailCopy:
    subject: str
    body: str  # with IO's "..." when cut

    @property
    def problem(self) -> Emptiness | None:
        return emptiness(self.body)


def email_copy(subject: str, markdown: str) -> EmailCopy:
    return EmailCopy(subject, email_body(markdown))


def emptiness(body: str) -> Emptiness | None:
    """Whether an e-mail copy's text says nothing, or nothing but a greeting.

    Empty: no letter or digit once the removed links are taken out. Only a greeting: one
    line (blank lines aside) of at most ten words, one clause (no ``, ; : ! ?`` inside),
    that ends with ``,`` ``;`` ``:`` or ``!`` or opens with a greeting (``SALUTATIONS``):
    "Gentile Mario Rossi,", "Gentile Sig. Rossi,", "Buongiorno", "Dear resident". IO's
    ``...`` and its ``[link rimosso]`` count as nothing.
    """
    text = body.removesuffix(ELLIPSIS).replace(LINK_REMOVED, " ")
    if not any(char.isalnum() for char in text):
        return Emptiness.EMPTY
    lines = [line.strip() for line in text.splitlines() if any(c.isalnum() for c in line)]
    if len(lines) != 1:
        return None
    line = lines[0]
    clause = line.rstrip(",:;!")
    words = clause.split()
    if _CLAUSE_BREAK.search(clause) or len(words) > _GREETING_WORDS:
        return None
    opening = " ".join(words[:2]).lower()
    if line != clause or words[0].lower() in SALUTATIONS or opening in SALUTATIONS:
        return Emptiness.GREETING_ONLY
    return None
