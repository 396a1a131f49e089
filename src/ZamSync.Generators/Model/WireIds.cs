namespace ZamSync.Generators.Model;

/// <summary>
/// An event's wire id: its id in the low 24 bits, its version minus one in the top byte, so version 1 is the plain id
/// (every log written before versions stays valid) and an old node sees a new version as an event it does not know.
/// The same rule as <c>ZamEventAttribute.WireId</c> in the runtime.
/// </summary>
internal static class WireIds
{
    public const uint MaxId = 0xFF_FFFF;
    public const int MaxVersion = 255;

    public static uint Of(uint id, int version) => id | ((uint)(version - 1) << 24);

    public static uint Id(uint wire) => wire & MaxId;

    public static int Version(uint wire) => (int)(wire >> 24) + 1;

    /// <summary>"5" for version 1, "5 v2" otherwise: how messages and the manifest name a version.</summary>
    public static string Display(uint wire) =>
        Version(wire) == 1 ? Id(wire).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : Id(wire).ToString(System.Globalization.CultureInfo.InvariantCulture) + " v" + Version(wire).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
