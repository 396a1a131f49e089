namespace ZamSync.Tool;

/// <summary>Where a command writes: its output, its errors (one line each), and whether progress may be drawn on the error stream.</summary>
/// <param name="Out">Standard output: what a script reads.</param>
/// <param name="Error">Standard error: one line per error or warning.</param>
/// <param name="ErrorIsTerminal">Whether <paramref name="Error"/> is a terminal (progress bars go there, and only then).</param>
internal sealed record ToolConsole(TextWriter Out, TextWriter Error, bool ErrorIsTerminal);
