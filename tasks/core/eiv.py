"""A regression slope when a control is measured with a known error: corrected least squares (errors in variables).

The hedonic fit on the capability scale controls for each model's *estimated* capability, whose own 90% interval
is several points wide. A control measured with error attenuates its own coefficient and, through its correlation
with the release date, biases the date's slope: here toward a slower decline (step 16: drawing capabilities from
their intervals moved the factor from 1.87x to 1.42x). With each observation's error variance known (from the scale's
bootstrap), the method-of-moments correction (Fuller 1987, *Measurement Error Models*, section 2.2; heteroskedastic
known variances, section 3.1) subtracts the mean error variance from the control's moment:

    beta = (M_zz - S_uu)^-1 M_zy,   M = centred cross-products / n,   S_uu = diag(0, ..., mean(var_u), ...)

(only the error-prone column gets a correction; the date is measured without error). Its interval is a pairs
bootstrap over observations with the correction redone in every resample (the known variances travel with their
rows). When the control's spread is not clearly larger than its error (reliability below ``MIN_RELIABILITY``), the
correction is unstable and no estimate is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_RELIABILITY = 0.5  # var(true control) / var(observed control): below it the correction is not trusted


class EIVError(ValueError):
    """The correction cannot be made (too few points, or a control whose error swamps its spread)."""


@dataclass(frozen=True)
class EIVFit:
    slope: float  # on x, per unit of x, corrected for the error in the control
    naive_slope: float  # the same without the correction (ordinary least squares)
    ci_low: float | None  # percentile bootstrap interval of the corrected slope
    ci_high: float | None
    reliability: float  # estimated var(true control) / var(observed control)
    n: int
    resamples: int  # bootstrap resamples that gave a corrected slope


def _corrected(y: np.ndarray, z: np.ndarray, error_var: np.ndarray, column: int) -> tuple[float, float, float]:
    """(corrected slope on z[:, 0], naive slope, reliability of z[:, column])."""
    zc = z - z.mean(axis=0)
    yc = y - y.mean()
    n = len(y)
    mzz = zc.T @ zc / n
    mzy = zc.T @ yc / n
    suu = np.zeros_like(mzz)
    suu[column, column] = float(np.mean(error_var))
    reliability = 1.0 - suu[column, column] / mzz[column, column] if mzz[column, column] > 0 else 0.0
    naive = np.linalg.solve(mzz, mzy)
    corrected = np.linalg.solve(mzz - suu, mzy)
    return float(corrected[0]), float(naive[0]), float(reliability)


def corrected_slope(y, x, control, control_var, ci_level: float = 0.9, resamples: int = 999,
                    seed: int = 0) -> EIVFit:
    """The slope of ``y`` on ``x`` controlling for ``control``, whose per-observation error variances are
    ``control_var``; with a pairs-bootstrap percentile interval (``resamples``; 0: none)."""
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    w, v = np.asarray(control, dtype=float), np.asarray(control_var, dtype=float)
    ok = np.isfinite(y) & np.isfinite(x) & np.isfinite(w) & np.isfinite(v)
    y, x, w, v = y[ok], x[ok], w[ok], v[ok]
    n = len(y)
    if n < 5:
        raise EIVError(f"{n} observation(s) with a control and its error variance, fewer than 5")
    if (v < 0).any():
        raise EIVError("a negative error variance")
    z = np.column_stack([x, w])
    slope, naive, reliability = _corrected(y, z, v, column=1)
    if reliability < MIN_RELIABILITY:
        raise EIVError(f"the control's measurement error is {1 - reliability:.0%} of its spread (reliability "
                       f"{reliability:.2f} < {MIN_RELIABILITY}): the correction is not stable")
    low = high = None
    used = 0
    if resamples:
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(resamples):
            pick = rng.integers(0, n, n)
            zb = z[pick]
            if np.ptp(zb[:, 0]) == 0 or np.ptp(zb[:, 1]) == 0:
                continue
            b, _, rel = _corrected(y[pick], zb, v[pick], column=1)
            if rel >= MIN_RELIABILITY / 2:  # a resample whose correction blows up is not a draw of the estimator
                draws.append(b)
        used = len(draws)
        if used >= resamples // 2:
            tail = (1 - ci_level) / 2 * 100
            low, high = (float(q) for q in np.percentile(draws, [tail, 100 - tail]))
    return EIVFit(slope=slope, naive_slope=naive, ci_low=low, ci_high=high, reliability=reliability, n=n,
                  resamples=used)
