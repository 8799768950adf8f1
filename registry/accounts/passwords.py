"""The password rule: long enough, and not common or guessable.

Length alone let ``password1234``, ``123456789012``, ``aaaaaaaaaaaa`` and twelve spaces through.
Now each new password is also scored by zxcvbn (a strength estimate that knows some 30,000
common passwords, names and words, keyboard walks, repeats, sequences and dates, and the
words of this user's account passed to it), and one scoring under ``PASSWORD_MIN_SCORE`` is
refused with zxcvbn's own reason. A password containing the user's own name or the name part
of their e-mail address (four letters or more) is refused outright. It applies wherever a
password is set: ``users create``, ``users set-password`` and the password page.
"""

from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn

from registry.appctx import setting

MAX_LENGTH = 1000
"""The longest password taken (the sign-in form's limit too)."""

ESTIMATED_PREFIX = 72
"""zxcvbn's own limit: longer passwords are estimated by their first 72 characters (more of
the same only makes them stronger, and the estimate's cost grows with the length)."""

SITE_WORDS = ("registry", "talent", "consent", "replica", "studio", "performer")


def _own_words(values: Iterable[str]) -> list[str]:
    """The words of this account: its e-mail's name part and the words of its name."""
    words: list[str] = []
    for value in values:
        value = value.strip().lower()
        local = value.partition("@")[0] if "@" in value else ""
        for word in (local, *local.replace("-", ".").replace("_", ".").split("."), *value.split()):
            if len(word) >= 4 and "@" not in word and any(c.isalpha() for c in word):
                words.append(word)
    return list(dict.fromkeys(words))


def _user_words(values: Iterable[str]) -> list[str]:
    """zxcvbn's user inputs: the account's words first, as the likeliest guesses, then the
    e-mail and name whole, then the site's own words."""
    whole = [v.strip().lower() for v in values if v.strip()]
    return list(dict.fromkeys([*_own_words(whole), *whole, *SITE_WORDS]))


def problems(password: str, *, user_inputs: Iterable[str] = ()) -> list[str]:
    """What is wrong with ``password`` as a new password (empty: nothing)."""
    min_length = int(setting("PASSWORD_MIN_LENGTH"))
    if len(password) < min_length:
        return [f"Must be at least {min_length} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Must be at most {MAX_LENGTH} characters."]
    inputs = list(user_inputs)
    lowered = password.lower()
    if any(word in lowered for word in _own_words(inputs)):
        return ["Must not contain your name or the name part of your e-mail address."]
    result = zxcvbn(password[:ESTIMATED_PREFIX], user_inputs=_user_words(inputs))
    if int(result["score"]) >= int(setting("PASSWORD_MIN_SCORE")):
        return []
    feedback = result.get("feedback") or {}
    reason = str(feedback.get("warning") or "").strip()
    if not reason:
        reason = "It is too easy to guess (it is built from common words, names or patterns)."
    advice = " ".join(str(s) for s in feedback.get("suggestions") or ())
    return [f"Too easy to guess. {reason} {advice}".strip()]
