/**
 * Bar charts drawn on the server as SVG: no charting library and no script, so a chart costs a few kilobytes, prints
 * as it shows, and draws before any script runs on a slow school connection. Every chart stands beside the table of
 * its numbers, which is what a screen reader reads; the chart is one image with a name saying so.
 */

/** One bar: its label and value, or null for a cell suppressed for privacy (drawn as an outline, never to scale). */
export interface Bar {
  label: string;
  value: number | null;
}

/** Bars of one subject (a state, a pair of states), one per series. */
export interface BarGroup {
  label: string;
  bars: Bar[];
}

/**
 * Series colors from the U.S. Web Design System's palette, each at least 3:1 against white (WCAG 1.4.11 for
 * graphics) and told apart by lightness as well as hue, so they survive a grayscale printer.
 */
const SERIES_COLORS = ['#005ea2', '#c05600', '#1a4480', '#8168b3'] as const;

const ROW = 22;
const GROUP_GAP = 10;
const LABEL_W = 110;
const BAR_W = 360;
const VALUE_W = 110;
const WIDTH = LABEL_W + BAR_W + VALUE_W;

/**
 * A horizontal bar chart: for each group its label, then one bar per series with its number at the end. A suppressed
 * cell is a short dashed outline reading "fewer than N", so a reader never takes its length for a count. Scaled to the
 * largest value shown; the SVG scales to its container's width (`viewBox`).
 */
export function BarChart(p: {
  /** The chart's accessible name: what it shows and where its numbers are. */
  title: string;
  groups: BarGroup[];
  /** The series' names, for the legend (one series: no legend). */
  series?: readonly string[];
  suppressBelow: number;
  testid?: string;
}) {
  const series = p.series ?? [];
  const max = Math.max(1, ...p.groups.flatMap((g) => g.bars.map((b) => b.value ?? 0)));
  const legendH = series.length > 1 ? 26 : 0;
  let y = legendH;
  const rows = p.groups.map((g) => {
    const top = y;
    y += g.bars.length * ROW + GROUP_GAP;
    return { g, top };
  });
  const height = Math.max(y, legendH + ROW);
  const id = `chart-${p.testid ?? 'bars'}`;
  return (
    <svg
      class="portal-svg-chart"
      role="img"
      aria-labelledby={`${id}-title`}
      viewBox={`0 0 ${WIDTH} ${height}`}
      width={WIDTH}
      height={height}
      data-testid={p.testid}
      font-size="14"
      font-family="Source Sans Pro Web, Helvetica Neue, Arial, sans-serif"
    >
      <title id={`${id}-title`}>{p.title}</title>
      {series.length > 1 ? (
        <g>
          {series.map((s, i) => (
            <g transform={`translate(${LABEL_W + i * 120}, 4)`}>
              <rect width="14" height="14" fill={SERIES_COLORS[i % SERIES_COLORS.length]} />
              <text x="18" y="12">
                {s}
              </text>
            </g>
          ))}
        </g>
      ) : null}
      {rows.map(({ g, top }) => (
        <g transform={`translate(0, ${top})`}>
          <text x={LABEL_W - 8} y={ROW - 5} text-anchor="end" font-weight="bold">
            {g.label}
          </text>
          {g.bars.map((b, i) => {
            const color = SERIES_COLORS[i % SERIES_COLORS.length];
            const by = i * ROW + 2;
            if (b.value === null)
              return (
                <g data-suppressed="">
                  <rect
                    x={LABEL_W}
                    y={by}
                    width="24"
                    height={ROW - 4}
                    fill="none"
                    stroke={color}
                    stroke-dasharray="3 2"
                  />
                  <text x={LABEL_W + 30} y={by + ROW - 7}>
                    {`fewer than ${p.suppressBelow}`}
                  </text>
                </g>
              );
            const w = b.value === 0 ? 0 : Math.max(1, Math.round((b.value / max) * BAR_W));
            return (
              <g>
                <rect x={LABEL_W} y={by} width={w} height={ROW - 4} fill={color} />
                <text x={LABEL_W + w + 4} y={by + ROW - 7}>
                  {String(b.value)}
                </text>
              </g>
            );
          })}
        </g>
      ))}
    </svg>
  );
}
