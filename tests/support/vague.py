"""Questions the shipped matcher has only suggested for, for tests of what happens then.

Better ways of asking get such questions answered one by one ("face recognition camera in
my gym" now gets the venues answer), so tests take the first of a list that still gets
the verdict they need, and say so when none does.
"""

from __future__ import annotations

# A technology and a place: the broad topic led the "did you mean", a specific one followed.
BROAD_THEN_PLACE = (
    "face recognition cameras at the mall",
    "facial recognition in the hotel",
    "facial recognition at the library",
    "fingerprints at the embassy",
    "facial recognition at events",
)
