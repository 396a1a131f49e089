namespace ZamSync;

/// <summary>Where an append would have broken an origin's sequence: <see cref="Got"/> where <see cref="Expected"/> was next.</summary>
public readonly record struct SequenceHole(NodeId Origin, ulong Expected, ulong Got);
