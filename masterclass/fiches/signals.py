"""What fiches tell the packages that keep references to them."""

from blinker import Namespace

_signals = Namespace()

# Sent inside the deleting write transaction, before the fiche's row goes, with ``session``
# and ``fiche_id``: what refers to a fiche by id without a foreign key (favourites) forgets it
# there, so it goes in the same commit.
fiche_deleted = _signals.signal("fiche-deleted")
