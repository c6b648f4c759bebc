"""What a password must be: at least ten characters, and not one everybody tries first."""

from __future__ import annotations

MIN_LENGTH = 10

# Lists of leaked passwords are topped by the same few; these are the ones of ten
# characters or more (shorter ones fail on length already).
COMMON = frozenset({
    "password123", "password12", "password1234", "passwordpassword", "1234567890", "0987654321",
    "1111111111", "123456789a", "1q2w3e4r5t", "1qaz2wsx3edc", "qwertyuiop", "qwerty1234", "qwerty12345",
    "qwertyuiop123", "asdfghjkl;", "zxcvbnm123", "abcdefghij", "administrator", "adminadmin", "admin12345",
    "iloveyou123", "welcome123", "changeme123", "letmein123", "trustno1234", "football123", "baseball123",
    "sunshine123", "princess123", "superman123", "trellis123", "trelliscrm",
})


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` may not be used (a sentence for the user), or None when it may."""
    if len(password) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    lowered = password.strip().lower()
    if lowered in COMMON:
        return "the password is one of the most common ones; choose another"
    if email and lowered == email.strip().lower():
        return "the password must not be the email address"
    return None
