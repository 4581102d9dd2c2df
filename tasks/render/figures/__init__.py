"""Figures for a paper, one module per figure family (what they share: ``tasks.reporting.figures``; a method's own
figures: its ``Method.figures`` and ``Method.draw``).

1. ``frontier_all``: price vs release date per band, all models faint, the record lows as a step line (a record
   holds until the next one), the fit labelled "N x / year [low-high]"; the band's typical trend (every model of
   the band) dotted when the trends table has it.
2. ``frontier_open``: the same for open-weights models.
3. ``active_params``: fewest active parameters per band over time (records and fit).
4. ``price_per_active_param``: price per active parameter per band over time.
5. ``hedonic``: price adjusted for MMLU-Pro vs release date, one panel per price type, with the fit.
6. ``summary``: one snapshot's trends, one row each labelled in full, the factor with its intervals on a log axis,
   the tie-order range beside it; the main ones only when there are many.
A method's own figures (the cost of a benchmark run per benchmark, the Theil-Sen lines) are its plugin's
(``Method.figures``, drawn by ``Method.draw``).

An uninformative estimate (a factor whose span or interval carries no information) is drawn grey and hollow and
says so, never as a highlighted estimate.

Files are deterministic (no creation dates, fixed SVG ids), so unchanged inputs give identical bytes.
"""
