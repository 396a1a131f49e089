namespace ZamSync.Net.Tests.Convergence;

/// <summary>The suite's link must cut where it is told to, or "cut at a random byte" would prove nothing.</summary>
public sealed class CuttableLinkTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(10)]
    public async Task A_cut_delivers_exactly_the_bytes_before_it_then_the_end_of_the_stream(int cutAt)
    {
        var link = new CuttableLink(cutAt, null);
        var data = Enumerable.Range(0, 10).Select(i => (byte)i).ToArray();
        Exception? failed = null;
        try
        {
            await link.A.WriteAsync(data.AsMemory(0, 4));
            await link.A.WriteAsync(data.AsMemory(4));
            await link.A.FlushAsync();
        }
        catch (IOException ex)
        {
            failed = ex;
        }
        await link.A.DisposeAsync();

        var received = new MemoryStream();
        await link.B.CopyToAsync(received);

        Assert.Equal(data[..Math.Min(cutAt, data.Length)], received.ToArray());
        Assert.Equal(cutAt < data.Length, link.WasCut);
        Assert.Equal(cutAt < data.Length, failed is not null);
        Assert.Equal(Math.Min(cutAt, data.Length), link.PassedAToB);
    }

    [Fact]
    public async Task After_a_cut_the_other_direction_fails_too()
    {
        var link = new CuttableLink(null, 2);
        await Assert.ThrowsAsync<IOException>(() => link.B.WriteAsync(new byte[5]).AsTask());
        await Assert.ThrowsAsync<IOException>(() => link.A.WriteAsync(new byte[1]).AsTask());
    }
}
