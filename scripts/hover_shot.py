"""Screenshot an interactive figure with one point hovered (headless Chromium; a real mouse-move on the plot).

    python scripts/hover_shot.py RUN_FOLDER/figures/SNAPSHOT/NAME.html OUT.png [PANEL] [TRACE_NAME] [--linear]

Copies the page and ``figures/plotly.min.js`` into a temporary folder (the run folder is left as it is), appends a
script that (with --linear) clicks the "linear axis" button, then moves the mouse onto the last point of the named trace in the given panel (1-based), and screenshots it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HOVER = """<script>
setTimeout(function () {
  var gd = document.getElementById('figure');
  if (%(linear)s) {  // click the "linear axis" button first, as a user would
    var button = document.querySelectorAll('.updatemenu-button')[1];
    button.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  }
}, 400);
setTimeout(function () {
  var gd = document.getElementById('figure');
  var panel = %(panel)d, wanted = %(trace)s;
  var xname = panel === 1 ? 'xaxis' : 'xaxis' + panel, yname = panel === 1 ? 'yaxis' : 'yaxis' + panel;
  var xa = gd._fullLayout[xname], ya = gd._fullLayout[yname];
  var sub = (panel === 1 ? 'x' : 'x' + panel) + (panel === 1 ? 'y' : 'y' + panel);
  var trace = gd.data.find(function (t) { return t.name === wanted && (t.xaxis || 'x') === xa._id; });
  var i = trace.x.length - 1;
  var px = xa._offset + xa.l2p(xa.d2l(trace.x[i])), py = ya._offset + ya.l2p(ya.d2l(trace.y[i]));
  var drag = gd.querySelector('.nsewdrag[data-subplot="' + sub + '"]');
  var box = gd.getBoundingClientRect();
  var ev = new MouseEvent('mousemove', {clientX: box.left + px, clientY: box.top + py, bubbles: true});
  drag.dispatchEvent(ev);
  document.title = 'hovered ' + (document.querySelectorAll('.hoverlayer .hovertext').length);
}, 800);
</script>
"""


def main(page: str, out: str, panel: int = 1, trace: str = "record lows (each holds until the next)",
         linear: bool = False) -> None:
    page_path = Path(page).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "figures" / page_path.parent.name
        folder.mkdir(parents=True)
        shutil.copy(page_path.parent.parent / "plotly.min.js", Path(tmp) / "figures" / "plotly.min.js")
        text = page_path.read_text().replace("</body>", HOVER % {"panel": panel, "trace": json.dumps(trace),
                                                              "linear": json.dumps(linear)}
                                             + "</body>")
        (folder / page_path.name).write_text(text)
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        f"--user-data-dir={tmp}/profile", "--window-size=1400,800", "--virtual-time-budget=5000",
                        f"--screenshot={Path(out).resolve()}", (folder / page_path.name).as_uri()],
                       check=True, capture_output=True, timeout=120)


if __name__ == "__main__":
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(args[0], args[1], *([int(args[2])] if len(args) > 2 else []), *args[3:4], linear="--linear" in flags)
