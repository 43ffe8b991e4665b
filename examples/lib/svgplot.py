"""Tiny dependency-free SVG charts for the examples (no matplotlib, no network)."""
import math
from html import escape

COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"]
W, H, L, R, T, B = 720, 360, 70, 20, 40, 90


def _nice_max(v):
    if v <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(v))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * mag >= v:
            return round(m * mag, 12)
    return v


def _frame(title, ylabel, ymax):
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="15">{escape(title)}</text>',
           f'<text transform="translate(16,{(T + H - B) / 2}) rotate(-90)" '
           f'text-anchor="middle">{escape(ylabel)}</text>']
    for i in range(6):
        v = ymax * i / 5
        y = H - B - (H - B - T) * i / 5
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{y}" y2="{y}" stroke="#ddd"/>')
        out.append(f'<text x="{L - 6}" y="{y + 4}" text-anchor="end">{v:g}</text>')
    return out


def _legend(out, series):
    step = min(170, (W - L - R) / max(1, len(series)))
    for i, name in enumerate(series):
        x = L + 10 + i * step
        out.append(f'<rect x="{x}" y="{H - 22}" width="12" height="12" fill="{COLORS[i % 7]}"/>')
        out.append(f'<text x="{x + 16}" y="{H - 12}">{escape(name)}</text>')


def bar_chart(title, ylabel, groups, series, values, fmt="{:.3g}"):
    """values[s][g]: one bar per series s inside each group g; None leaves a gap."""
    ymax = _nice_max(max(v for row in values for v in row if v is not None))
    out = _frame(title, ylabel, ymax)
    gw = (W - L - R) / len(groups)
    bw = gw * 0.8 / len(series)
    for g, label in enumerate(groups):
        x0 = L + g * gw + gw * 0.1
        for s in range(len(series)):
            v = values[s][g]
            if v is None:
                continue
            h = (H - B - T) * v / ymax
            x = x0 + s * bw
            out.append(f'<rect x="{x:.1f}" y="{H - B - h:.1f}" width="{bw - 2:.1f}" '
                       f'height="{h:.1f}" fill="{COLORS[s % 7]}"/>')
            out.append(f'<text x="{x + bw / 2 - 1:.1f}" y="{H - B - h - 3:.1f}" '
                       f'text-anchor="middle" font-size="10">{fmt.format(v)}</text>')
        out.append(f'<text x="{L + g * gw + gw / 2:.1f}" y="{H - B + 16}" '
                   f'text-anchor="middle" font-size="11">{escape(label)}</text>')
    _legend(out, series)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def line_chart(title, ylabel, series, xlabel="seconds"):
    """series: list of (name, [(x, y), ...])."""
    pts = [p for _, s in series for p in s]
    if not pts:
        pts = [(0, 0), (1, 1)]
    xmin, xmax = min(p[0] for p in pts), max(p[0] for p in pts)
    xmax = xmax if xmax > xmin else xmin + 1
    ymax = _nice_max(max(p[1] for p in pts))
    out = _frame(title, ylabel, ymax)
    out.append(f'<text x="{W / 2}" y="{H - B + 30}" text-anchor="middle">{escape(xlabel)}</text>')
    for i in range(6):
        x = L + (W - L - R) * i / 5
        out.append(f'<text x="{x:.1f}" y="{H - B + 16}" text-anchor="middle">'
                   f'{(xmax - xmin) * i / 5:.0f}</text>')
    for i, (name, s) in enumerate(series):
        path = " ".join(
            f'{L + (W - L - R) * (x - xmin) / (xmax - xmin):.1f},'
            f'{H - B - (H - B - T) * y / ymax:.1f}' for x, y in s)
        out.append(f'<polyline points="{path}" fill="none" stroke="{COLORS[i % 7]}" '
                   f'stroke-width="2"/>')
    _legend(out, [n for n, _ in series])
    out.append("</svg>")
    return "\n".join(out) + "\n"
