"""Published instrument versions are frozen: their fingerprints may never change.

A scan keeps the version it was created with, and its stored answers mean what that
version's items said. :meth:`Instrument.fingerprint` hashes exactly that meaning: the
instrument id and version, the answer scale (points, labels, the "don't know" value) and every
item's id, construct, Dutch and English text and key. If a test below fails, someone changed
the meaning of a published version, so answers already collected would be read against
questions nobody was asked. Undo the change, and publish a new version
(``trustscan-v<n+1>.toml``) with the improved items instead; mark its constructs
``comparable`` only where their items stay word for word the same.

Metadata outside the fingerprint (labels, explanations, page layout and intros, polarity,
referents, sensitivity, forms) may be improved in a published version.

Each constant was computed once from the packaged file when the version was published; v1's
equals the fingerprint of the v1 file as it was before metadata was added to it.
"""

import pytest

from trustmirror.instrument import available_instruments, load_instrument

FROZEN = {
    ("trustscan", "1"): "28f3c95303620f45fb3e043aafc0ac0f11ff6f4f3d43202b0d89b768cfd90fb6",
    ("trustscan", "2"): "fc41f4b19559702401bc561c824da0920ccd260bb562b837b14994d810d14853",
}


@pytest.mark.parametrize(("instrument_id", "version"), sorted(FROZEN))
def test_published_version_keeps_its_meaning(instrument_id, version):
    instrument = load_instrument(instrument_id, version)
    assert instrument.fingerprint() == FROZEN[instrument_id, version], (
        f"{instrument_id} v{version} changed after publication: publish a new version instead"
    )


def test_every_packaged_version_is_frozen():
    """A new packaged version needs its fingerprint here before it is used for a scan."""
    assert set(available_instruments()) == set(FROZEN)
