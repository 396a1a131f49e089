using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ZamSync.Wal;

namespace ZamSync.Hosting.Node;

/// <summary>Opens the node's engine when the host starts and closes it when the host stops.</summary>
internal sealed class ZamNodeHostedService<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TState>(
    ZamNode<TState> node, IOptions<ZamNodeOptions> options, TimeProvider? time, IMeterFactory? meters, ILoggerFactory? loggers) : IHostedService
    where TState : class, IStateStore
{
    public Task StartAsync(CancellationToken cancellationToken) => node.OpenAsync(EngineOptions(options.Value), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => node.CloseAsync();

    private ZamEngineOptions EngineOptions(ZamNodeOptions o)
    {
        var engine = new ZamEngineOptions
        {
            TimeProvider = time ?? TimeProvider.System,
            MeterFactory = meters,
            LoggerFactory = loggers ?? NullLoggerFactory.Instance, // the engine logs where the host does
            MaxClockDrift = o.MaxClockDrift,
            Validator = o.Validator,
            Wal = o.Cipher == WalCipherKind.None
                ? new WalOptions()
                // The validator has read this key once already; reading it again here keeps it in memory only while open.
                : new WalOptions { Cipher = o.Cipher, Key = WalKeyFile.TryRead(o.KeyFile!, out var problem) ?? throw new InvalidOperationException($"{ZamNodeOptions.SectionName}:KeyFile: {problem}.") },
        };
        return o.ConfigureEngine?.Invoke(engine) ?? engine;
    }
}
