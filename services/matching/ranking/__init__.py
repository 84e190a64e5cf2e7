"""Ranking sellers for a delegate's interests, with the reasons for each rank. Pure: no I/O and
no framework.

`index` holds the catalogue as the ranking sees it, `query` reads what a delegate asks for,
`scoring` says how relevant one product is and what a seller scores from it, `search` finds the
k best through the index, and `explain` says why each of them ranks where it does; the numbers
they share are in `weights`.
"""
