namespace ZamSync.Inspection;

/// <summary>Something wrong that an inspection found: the file, where in it, and what.</summary>
/// <param name="File">The full path of the file at fault.</param>
/// <param name="Offset">The byte offset in <paramref name="File"/>, or -1 when the problem concerns the whole file.</param>
/// <param name="Reason">What is wrong, in a sentence for an operator.</param>
public sealed record InspectionProblem(string File, long Offset, string Reason)
{
    /// <summary>One line: <c>file at byte N: reason</c> (or <c>file: reason</c>).</summary>
    public override string ToString() =>
        Offset >= 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{File} at byte {Offset}: {Reason}") : $"{File}: {Reason}";
}
