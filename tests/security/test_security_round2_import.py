"""Finding 8 (security round 2): the import (and its preview) finds duplicates among readable records only.

A salesperson reads only her own leads; an import row with the email of a colleague's
lead must not be reported as "duplicate of lead #13".
"""

from shipped_helpers import plant, uproot
from trellis.data.records import records_for
from trellis.io.csv_import import ImportOptions, preview
from trellis.io.reading import read_csv_bytes


def test_the_import_preview_does_not_find_duplicates_among_records_the_importer_cannot_read(shipped):
    theirs = plant(shipped, "lead", "out")
    mine = plant(shipped, "lead", "salesperson")
    try:
        theirs_email, mine_email = f"{theirs.word.lower()}@example.com", f"{mine.word.lower()}@example.com"
        with shipped.app.app_context():
            records_for(shipped.app).update("lead", theirs.id, {"email": theirs_email})
            records_for(shipped.app).update("lead", mine.id, {"email": mine_email})
        sheet = read_csv_bytes(f"last_name,email\nTheirs,{theirs_email}\nMine,{mine_email}\n".encode())
        result = preview(shipped.app, "lead", sheet, ImportOptions(dedupe="skip"),
                         user=shipped.accounts["salesperson"])
        text = " ".join(f.message() for f in result.failures)
        assert str(theirs.id) not in text and theirs.word not in text
        assert result.skipped == 1  # her own lead is still found
    finally:
        uproot(shipped, theirs)
        uproot(shipped, mine)
