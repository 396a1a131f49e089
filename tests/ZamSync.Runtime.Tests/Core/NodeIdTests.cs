using System.Globalization;

namespace ZamSync.Tests.Core;

public class NodeIdTests
{
    [Theory]
    [InlineData("7", 7UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    [InlineData("0x1F", 31UL)]
    [InlineData("0X1f", 31UL)]
    [InlineData("0xFFFFFFFFFFFFFFFF", ulong.MaxValue)]
    [InlineData("  42  ", 42UL)]
    public void Parses_decimal_and_0x_hex(string text, ulong expected)
    {
        Assert.Equal(new NodeId(expected), NodeId.Parse(text));
        Assert.True(NodeId.TryParse(text, CultureInfo.InvariantCulture, out var id));
        Assert.Equal(expected, id.Value);
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(42UL)]
    [InlineData(0xDEADBEEFUL)]
    [InlineData(ulong.MaxValue)]
    public void Formatting_and_parsing_round_trip(ulong value)
    {
        var id = new NodeId(value);
        Assert.Equal(id, NodeId.Parse(id.ToString()));
        Assert.Equal(id, NodeId.Parse("0x" + id.ToString("X", null)));
        Assert.Equal(id, NodeId.Parse("0x" + id.ToString("x16", CultureInfo.InvariantCulture)));
        Span<char> buffer = stackalloc char[32];
        Assert.True(id.TryFormat(buffer, out int written, default, null));
        Assert.Equal(id.ToString(), buffer[..written].ToString());
        Assert.Equal(id, NodeId.Parse($"{id}"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0x0")]
    [InlineData("00000")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("abc")]
    [InlineData("0x")]
    [InlineData("0xZZ")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("1 2")]
    [InlineData("18446744073709551616")] // 2^64
    [InlineData("0x10000000000000000")] // 2^64
    [InlineData("0x-1")]
    public void Zero_and_garbage_are_refused(string text)
    {
        Assert.False(NodeId.TryParse(text, null, out var id));
        Assert.True(id.IsEmpty);
        Assert.Throws<FormatException>(() => NodeId.Parse(text));
    }

    [Fact]
    public void Null_is_refused()
    {
        Assert.False(NodeId.TryParse(null, null, out _));
        Assert.Throws<ArgumentNullException>(() => NodeId.Parse(null!));
    }

    [Fact]
    public void NewRandom_is_never_zero_and_does_not_repeat()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => NodeId.NewRandom()).ToList();
        Assert.DoesNotContain(ids, id => id.IsEmpty);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        // 64 random bits: the high half is used too (a 32-bit id would leave it zero).
        Assert.Contains(ids, id => id.Value > uint.MaxValue);
    }

    [Fact]
    public void Ids_order_by_value()
    {
        Assert.True(new NodeId(1) < new NodeId(2));
        Assert.True(new NodeId(ulong.MaxValue) > new NodeId(1));
        Assert.Equal(0, new NodeId(5).CompareTo(new NodeId(5)));
        Assert.True(default(NodeId).IsEmpty);
    }
}
