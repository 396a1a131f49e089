using Microsoft.CodeAnalysis;

namespace ZamSync.Generators;

/// <summary>
/// The contract generator. Issue [2] fills in the pipeline (events, states, formatters, fingerprint); until
/// then it registers nothing, so referencing it as an analyzer is harmless.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ContractGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
