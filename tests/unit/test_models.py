"""The message body and its digest: the feature level is an enum, the wire is unchanged."""

from __future__ import annotations

import hashlib
import json

from batch.models import FeatureLevel, Message

CF = "AAAAAA00A00A000A"


def test_the_feature_level_goes_on_the_wire_and_into_the_digest_as_its_plain_word() -> None:
    message = Message(CF, "Avviso di prova", "m" * 80, feature_level_type=FeatureLevel.ADVANCED)
    body = json.dumps(message.to_payload(), sort_keys=True)
    assert '"feature_level_type": "ADVANCED"' in body
    # The digest an earlier version (a plain string) recorded in a journal still matches:
    # what was sent yesterday is still recognised today.
    written_before = {
        "content": {"markdown": "m" * 80, "subject": "Avviso di prova"},
        "feature_level_type": "ADVANCED",
        "fiscal_code": CF,
    }
    canonical = json.dumps(written_before, sort_keys=True, ensure_ascii=False)
    assert message.content_hash() == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
