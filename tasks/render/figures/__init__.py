"""Figures for a paper, one module per figure family that belongs to no method: ``summary`` (one snapshot's trends,
one row each labelled in full, the factor with its intervals on a log axis, the tie-order range beside it; the main
ones only when there are many), ``vintage`` (the same trends on each snapshot) and ``methods`` (every method side by
side); ``plan`` says which figures a run gets.

What every figure shares is ``tasks.reporting.figures``; a method's own figures are its plugin's (``Method.figures``,
drawn by ``Method.draw``), and how its rows read in the three figures here is its plugin's too (``Method.figure_scope``,
``details``, ``summary_groups``, ``redoes_selection``, ``vintage_figure``, ``vintage_label``): no module here names a
method.

An estimate that carries little information (a short span or a wide interval) is drawn grey and hollow and says
which, never as a highlighted estimate. Files are deterministic (no creation dates, fixed SVG ids), so unchanged
inputs give identical bytes.
"""
