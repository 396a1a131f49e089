namespace ZamSync;

/// <summary>
/// Written by the contract generator on every assembly with contracts: the contract's canonical schema and its
/// fingerprint. <see cref="ZamEngine{TState}"/> reads it from the state's assembly, so the handshake carries the
/// contract with no option to set (and no reflection beyond reading one attribute).
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class ZamContractAttribute(string fingerprint, string schema) : Attribute
{
    public string Fingerprint { get; } = fingerprint;

    public string Schema { get; } = schema;
}
