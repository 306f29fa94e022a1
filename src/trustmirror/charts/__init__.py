"""Charts as inline SVG, drawn on the server with matplotlib.

:mod:`trustmirror.charts.svg` is the toolkit (figure, rendering, number formatting, axes,
bars, legends, notes); each chart family has its own module beside it. Charts know nothing
about privacy: callers pass only numbers that passed :mod:`trustmirror.privacy`.
"""
