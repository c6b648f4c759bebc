"""Product warranties for Trellis contacts: an example plugin.

The entity, its rule and the extra contact field are YAML (``metadata/``); the one
thing YAML cannot say — how a serial number is written — is the ``before_save`` hook.
"""

import re

from trellis import ValidationError, hookimpl

SERIAL = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,63}$")


@hookimpl
def before_save(record, changes, context):
    """Store serial numbers in upper case without spaces; refuse ones with other characters."""
    if record.entity != "warranty" or not record.get("serial"):
        return
    serial = record["serial"].replace(" ", "").upper()
    if not SERIAL.match(serial):
        raise ValidationError({"serial": "use 4 to 64 letters, digits and dashes"})
    record["serial"] = serial
