using ZamSync.Storage;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>
/// One engine per data directory. The original had no writer lock: two engines on one log minted the same
/// (origin, sequence) for different events.
/// </summary>
public class SingleWriterLockTests
{
    private const ulong Node = 1;

    [Fact]
    public async Task Second_open_in_the_same_process_is_refused_naming_the_directory()
    {
        using var temp = new TempDirectory("lock");
        string dir = temp.Sub("node");
        await using var first = await Nodes.OpenAsync(dir, Node);
        await first.SubmitAsync(1, "one"u8.ToArray());

        var error = await Assert.ThrowsAsync<DataDirectoryLockedException>(() => Nodes.OpenAsync(dir, Node));

        Assert.Equal(Path.GetFullPath(dir), error.Directory);
        Assert.Contains(Path.GetFullPath(dir), error.Message);
        Assert.Contains(DirectoryLock.FileName, error.Message);
        // The refused open disturbed nothing: the first engine goes on.
        Assert.Equal(2UL, (await first.SubmitAsync(1, "two"u8.ToArray())).Sequence);
    }

    [Fact]
    public async Task Second_open_through_another_spelling_of_the_path_is_refused_too()
    {
        using var temp = new TempDirectory("lock");
        string dir = temp.Sub("node");
        await using var first = await Nodes.OpenAsync(dir, Node);
        string alias = Path.Combine(temp.Path, ".", "node", "..", "node") + Path.DirectorySeparatorChar;

        await Assert.ThrowsAsync<DataDirectoryLockedException>(() => Nodes.OpenAsync(alias, Node));
        // Another node id does not get around the lock either.
        await Assert.ThrowsAsync<DataDirectoryLockedException>(() => Nodes.OpenAsync(dir, Node + 1));
    }

    [Fact]
    public async Task Directory_opens_again_once_the_first_engine_is_disposed()
    {
        using var temp = new TempDirectory("lock");
        string dir = temp.Sub("node");
        await using (var first = await Nodes.OpenAsync(dir, Node))
            await Nodes.SubmitManyAsync(first, 3);

        await using var second = await Nodes.OpenAsync(dir, Node);
        Assert.Equal(3UL, second.Known[new NodeId(Node)]);
        Assert.Equal(4UL, (await second.SubmitAsync(1, "four"u8.ToArray())).Sequence);
    }

    [Fact]
    public async Task Open_is_refused_while_another_process_holds_the_directory_and_allowed_once_it_dies()
    {
        using var temp = new TempDirectory("lock");
        string dir = temp.Sub("node");
        using (var child = CrashChildProcess.Start(dir, Node, tasks: 1))
        {
            Assert.True(await child.WaitForFirstAckAsync(TimeSpan.FromSeconds(30)), $"the child acknowledged nothing. stderr: {child.Stderr}");

            var error = await Assert.ThrowsAsync<DataDirectoryLockedException>(() => Nodes.OpenAsync(dir, Node));
            Assert.Equal(Path.GetFullPath(dir), error.Directory);

            child.Kill(); // the kernel drops the lock of a dead process: no stale lock file to clean up by hand
        }
        await using var engine = await Nodes.OpenAsync(dir, Node);
        Assert.True(engine.Known[new NodeId(Node)] >= 1);
    }
}
