using System.Runtime.InteropServices;

namespace ZamSync.Bench.Harness;

/// <summary>
/// Puts the machine back to a quiet state between measurements, so one benchmark's leftovers do not bill the
/// next: a full blocking GC (garbage from a previous 1M-entry index), and on Linux <c>sync(2)</c> (the kernel
/// otherwise writes back a previous benchmark's dirty pages during the next one's fsyncs).
/// </summary>
internal static partial class Settle
{
    public static void Now()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux()) Sync();
    }

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();
}
