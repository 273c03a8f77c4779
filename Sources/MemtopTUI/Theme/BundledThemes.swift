/// The bundled themes' text, identical to `Themes/*.theme` (a test keeps them in step), so
/// `--theme NAME` works without installed files.
enum BundledThemes {
  /// Theme names in the order `t` cycles through them.
  static let names = ["default", "light", "high-contrast", "monochrome"]

  /// Source text by name, without the final newline.
  static let sources: [String: String] = [
    "default": #"""
    # memtop theme: default
    # Dark default: cool chart colours on the terminal's own background.
    #
    # Each line is `key = value`; a value is FG [on BG] [bold] [dim] [underline] [reverse].
    # Colours: default, an ANSI name (red, bright-blue, ...), #RRGGBB, or 0-255.
    # Keys left out keep memtop's built-in default.

    # The screen background behind every role without its own.
    background = default

    # Ordinary text.
    text = default

    # Secondary text: labels, units, hints.
    text.dim = bright-black

    # Chart and overlay titles.
    title = bright-white bold

    # Box and separator lines.
    border = bright-black

    # Axis labels and ticks.
    axis = #8a8a8a

    # The RSS chart's area.
    chart.rss = #5fafff

    # The heap chart's area.
    chart.heap = #d7af5f

    # The anonymous-memory chart's area.
    chart.anon = #af87ff

    # Missed samples (gaps) in a chart.
    chart.gap = #af5f5f

    # User markers on the charts.
    marker = #ffd700 bold

    # The header line.
    header = bright-white

    # The header's state when paused or the target exited.
    header.alert = #ffaf00 bold

    # The verdict banner when a leak alert is raised.
    verdict.leak = #ff5f5f bold

    # The verdict banner for growth that is not (yet) a leak.
    verdict.growth = #ffaf00 bold

    # The verdict banner for stable or shrinking memory.
    verdict.ok = #87d787

    # The verdict banner while evidence is gathered.
    verdict.pending = bright-black

    # The status bar.
    status = default on #303030

    # Key names in the status bar and help.
    status.key = #5fd7ff on #303030 bold

    # Messages in the status bar.
    status.message = #87d787 on #303030 bold

    # The help overlay's body.
    help = default on #262626
    """#,
    "light": #"""
    # memtop theme: light
    # Light: dark text and saturated charts on a white background.
    #
    # Each line is `key = value`; a value is FG [on BG] [bold] [dim] [underline] [reverse].
    # Colours: default, an ANSI name (red, bright-blue, ...), #RRGGBB, or 0-255.
    # Keys left out keep memtop's built-in default.

    # The screen background behind every role without its own.
    background = #ffffff

    # Ordinary text.
    text = #1c1c1c

    # Secondary text: labels, units, hints.
    text.dim = #6c6c6c

    # Chart and overlay titles.
    title = #000000 bold

    # Box and separator lines.
    border = #a8a8a8

    # Axis labels and ticks.
    axis = #585858

    # The RSS chart's area.
    chart.rss = #005fd7

    # The heap chart's area.
    chart.heap = #af5f00

    # The anonymous-memory chart's area.
    chart.anon = #8700af

    # Missed samples (gaps) in a chart.
    chart.gap = #d70000

    # User markers on the charts.
    marker = #d75f00 bold

    # The header line.
    header = #000000

    # The header's state when paused or the target exited.
    header.alert = #d75f00 bold

    # The verdict banner when a leak alert is raised.
    verdict.leak = #d70000 bold

    # The verdict banner for growth that is not (yet) a leak.
    verdict.growth = #af5f00 bold

    # The verdict banner for stable or shrinking memory.
    verdict.ok = #008700

    # The verdict banner while evidence is gathered.
    verdict.pending = #6c6c6c

    # The status bar.
    status = #1c1c1c on #d0d0d0

    # Key names in the status bar and help.
    status.key = #005faf on #d0d0d0 bold

    # Messages in the status bar.
    status.message = #005f00 on #d0d0d0 bold

    # The help overlay's body.
    help = #1c1c1c on #eeeeee
    """#,
    "high-contrast": #"""
    # memtop theme: high-contrast
    # High contrast: pure ANSI colours, bold text, black background.
    #
    # Each line is `key = value`; a value is FG [on BG] [bold] [dim] [underline] [reverse].
    # Colours: default, an ANSI name (red, bright-blue, ...), #RRGGBB, or 0-255.
    # Keys left out keep memtop's built-in default.

    # The screen background behind every role without its own.
    background = black

    # Ordinary text.
    text = bright-white

    # Secondary text: labels, units, hints.
    text.dim = white

    # Chart and overlay titles.
    title = bright-yellow bold underline

    # Box and separator lines.
    border = white

    # Axis labels and ticks.
    axis = bright-white

    # The RSS chart's area.
    chart.rss = bright-cyan

    # The heap chart's area.
    chart.heap = bright-yellow

    # The anonymous-memory chart's area.
    chart.anon = bright-magenta

    # Missed samples (gaps) in a chart.
    chart.gap = bright-red bold

    # User markers on the charts.
    marker = bright-green bold

    # The header line.
    header = bright-white bold

    # The header's state when paused or the target exited.
    header.alert = black on bright-yellow bold

    # The verdict banner when a leak alert is raised.
    verdict.leak = bright-white on red bold

    # The verdict banner for growth that is not (yet) a leak.
    verdict.growth = black on bright-yellow bold

    # The verdict banner for stable or shrinking memory.
    verdict.ok = black on bright-green bold

    # The verdict banner while evidence is gathered.
    verdict.pending = bright-white

    # The status bar.
    status = black on bright-white

    # Key names in the status bar and help.
    status.key = blue on bright-white bold

    # Messages in the status bar.
    status.message = black on bright-green bold

    # The help overlay's body.
    help = bright-white on blue
    """#,
    "monochrome": #"""
    # memtop theme: monochrome
    # Monochrome: no colour at all, only bold, dim, underline and reverse (used for NO_COLOR).
    #
    # Each line is `key = value`; a value is FG [on BG] [bold] [dim] [underline] [reverse].
    # Colours: default, an ANSI name (red, bright-blue, ...), #RRGGBB, or 0-255.
    # Keys left out keep memtop's built-in default.

    # Ignore every colour below and draw with attributes only.
    monochrome = true

    # The screen background behind every role without its own.
    background = default

    # Ordinary text.
    text = default

    # Secondary text: labels, units, hints.
    text.dim = default dim

    # Chart and overlay titles.
    title = default bold

    # Box and separator lines.
    border = default dim

    # Axis labels and ticks.
    axis = default

    # The RSS chart's area.
    chart.rss = default

    # The heap chart's area.
    chart.heap = default

    # The anonymous-memory chart's area.
    chart.anon = default

    # Missed samples (gaps) in a chart.
    chart.gap = default dim

    # User markers on the charts.
    marker = default bold

    # The header line.
    header = default bold

    # The header's state when paused or the target exited.
    header.alert = default bold reverse

    # The verdict banner when a leak alert is raised.
    verdict.leak = default bold reverse

    # The verdict banner for growth that is not (yet) a leak.
    verdict.growth = default bold underline

    # The verdict banner for stable or shrinking memory.
    verdict.ok = default

    # The verdict banner while evidence is gathered.
    verdict.pending = default dim

    # The status bar.
    status = default reverse

    # Key names in the status bar and help.
    status.key = default bold reverse

    # Messages in the status bar.
    status.message = default bold reverse

    # The help overlay's body.
    help = default reverse
    """#,
  ]
}
