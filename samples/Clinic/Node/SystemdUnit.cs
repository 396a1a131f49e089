using System.Text;

namespace Clinic.Node;

/// <summary>
/// A systemd unit that runs a node (<c>node</c>) or a hub (<c>serve</c>) as a service: restarted on failure, stopped
/// with SIGTERM (which the tool turns into a clean stop), confined to its data directory.
/// </summary>
internal static class SystemdUnit
{
    /// <summary>The unit's name for a node: <c>zamsync-clinic-7</c>, <c>zamsync-hub-1000</c>.</summary>
    public static string Name(NodeConfig config) => $"zamsync-{config.Kind.ToString().ToLowerInvariant()}-{config.NodeId}";

    /// <param name="command">The tool's arguments after the executable, for example <c>node --dir /srv/khaling</c>.</param>
    /// <param name="user">The account to run as (the owner of the data directory); null leaves systemd's default (root).</param>
    public static string Render(NodeConfig config, string dataDirectory, IReadOnlyList<string> command, string? user)
    {
        var exec = Executable().Concat(command).Select(Quote);
        var unit = new StringBuilder();
        unit.AppendLine("# Written by `init --service`; install it with the commands `init --service` printed.");
        unit.AppendLine("[Unit]");
        unit.AppendLine($"Description=ZamSync {config.Kind.ToString().ToLowerInvariant()} {config.NodeId} ({Escape(config.Name)})");
        unit.AppendLine("Wants=network-online.target");
        unit.AppendLine("After=network-online.target");
        unit.AppendLine();
        unit.AppendLine("[Service]");
        unit.AppendLine("Type=simple");
        if (user is not null) unit.AppendLine($"User={user}");
        unit.AppendLine($"WorkingDirectory={Quote(dataDirectory)}");
        unit.AppendLine($"ExecStart={string.Join(' ', exec)}");
        unit.AppendLine("# SIGTERM stops the node cleanly: sessions and submits in flight finish, the log closes.");
        unit.AppendLine("KillSignal=SIGTERM");
        unit.AppendLine("TimeoutStopSec=60");
        unit.AppendLine("Restart=on-failure");
        unit.AppendLine("RestartSec=10");
        unit.AppendLine("# Hardening: the node writes only its data directory and talks only TCP and its own control socket.");
        unit.AppendLine("NoNewPrivileges=yes");
        unit.AppendLine("PrivateTmp=yes");
        unit.AppendLine("ProtectSystem=strict");
        unit.AppendLine("ProtectHome=read-only");
        unit.AppendLine($"ReadWritePaths={Quote(dataDirectory)}");
        unit.AppendLine("ProtectKernelTunables=yes");
        unit.AppendLine("ProtectKernelModules=yes");
        unit.AppendLine("ProtectControlGroups=yes");
        unit.AppendLine("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6");
        unit.AppendLine("RestrictNamespaces=yes");
        unit.AppendLine("RestrictRealtime=yes");
        unit.AppendLine("LockPersonality=yes");
        unit.AppendLine("UMask=0077");
        unit.AppendLine("Environment=DOTNET_CLI_TELEMETRY_OPTOUT=1");
        unit.AppendLine();
        unit.AppendLine("[Install]");
        unit.AppendLine("WantedBy=multi-user.target");
        return unit.ToString();
    }

    /// <summary>How this tool was started: its own executable, or <c>dotnet Clinic.dll</c>.</summary>
    private static IEnumerable<string> Executable()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        if (Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            return [process, Path.Combine(AppContext.BaseDirectory, "Clinic.dll")];
        return [process];
    }

    /// <summary>An argument as systemd reads it: quoted when it holds a space or quote, with <c>%</c> (a specifier) doubled.</summary>
    internal static string Quote(string argument)
    {
        string escaped = Escape(argument);
        return escaped.Length > 0 && escaped.All(c => !char.IsWhiteSpace(c) && c is not '"' and not '\'' and not '\\' and not ';')
            ? escaped
            : "\"" + escaped.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    private static string Escape(string text) => text.Replace("%", "%%");
}
