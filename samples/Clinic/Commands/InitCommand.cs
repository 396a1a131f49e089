using System.CommandLine;
using Clinic.Node;
using Spectre.Console;

namespace Clinic.Commands;

internal static class InitCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = Common.Dir("Directory to create the node in");
        var node = Values.NodeId("--node", "This node's id (a positive number, unique in the deployment)");
        node.Required = false; // `init --service` on an initialised directory needs none; checked below otherwise
        var hub = new Option<bool>("--hub") { Description = "Initialise a hub: also creates the deployment CA and the hub's certificate" };
        var name = new Option<string>("--name") { Description = "A name for the node (or the deployment, for a hub)", DefaultValueFactory = _ => "clinic" };
        var passphrase = new CaPassphrase();
        var encrypt = new Option<bool>("--encrypt") { Description = "Encrypt the log at rest (AES-256-GCM) with a new data key, written mode 0600 to --key-file" };
        var keyFile = new Option<string?>("--key-file") { Description = "Where --encrypt writes the data key (default: beside the directory, <dir>.data.key); never overwritten" };
        var service = new Option<bool>("--service")
        {
            Description = "Also write a systemd unit that runs this node (`node`) or hub (`serve`) as a service; on an initialised directory, only write the unit",
        };
        var listen = new Option<string>("--listen") { Description = "For a hub's service: the address `serve` listens on", DefaultValueFactory = _ => "0.0.0.0:7000" };
        // For a clinic's service: what its `node` syncs with (the same values `node` takes).
        var hubAddress = new Option<string>("--hub-address") { Description = "For a clinic's service: the hub's address, host:port (`node --hub`)" };
        var hubId = Common.HubId();
        hubId.Required = false;
        var every = new Option<TimeSpan?>("--every") { Description = "For a clinic's service: the sync interval (`node --every`)", CustomParser = Quantities.ParseIntervalOption };
        var maxBytes = Common.MaxBytes();
        var maxBytesPerDay = new Option<long?>("--max-bytes-per-day") { Description = "For a clinic's service: the daily byte budget (`node --max-bytes-per-day`)", CustomParser = Quantities.ParseBytesOption };
        Option[] sync = [hubAddress, hubId, every, maxBytes, maxBytesPerDay];
        var command = new Command("init", "Initialise a clinic node, or a hub with its PKI") { dir, node, hub, name, encrypt, keyFile, service, listen, hubAddress, hubId, every, maxBytes, maxBytesPerDay };
        passphrase.AddTo(command);
        command.SetAction(result =>
        {
            var directory = new NodeDirectory(result.GetValue(dir)!);
            // The service's own arguments, as the operator wrote them (so `10m` stays `10m` in the unit).
            string[] serviceArguments = [.. sync.Where(o => result.GetResult(o) is { Tokens.Count: > 0 }).SelectMany(o => new[] { NodeFlag(o.Name), result.GetResult(o)!.Tokens[0].Value })];
            if (serviceArguments.Length > 0 && !result.GetValue(service))
                throw new UsageMistake("--hub-address, --hub-id, --every, --max-bytes and --max-bytes-per-day describe the service: use them with --service");
            if (serviceArguments.Length > 0 && result.GetResult(hubAddress) is null)
                throw new UsageMistake("--hub-address is required when the service syncs (--hub-id, --every, --max-bytes ...)");
            if (result.GetValue(service) && File.Exists(Path.Combine(directory.Path, NodeConfig.FileName)))
                return WriteService(console, directory, result.GetValue(listen)!, serviceArguments);
            if (result.GetResult(node) is null)
                throw new UsageMistake("--node is required to initialise a directory (only `init --service` on an initialised one may leave it out)");
            if (result.GetResult(keyFile) is not null && !result.GetValue(encrypt))
                throw new UsageMistake("--key-file names where --encrypt writes the data key: use it with --encrypt");
            string? dataKey = result.GetValue(encrypt) ? Path.GetFullPath(result.GetValue(keyFile) ?? DataKey.DefaultPath(directory.Path)) : null;
            ulong id = result.GetValue(node);
            var kind = result.GetValue(hub) ? NodeKind.Hub : NodeKind.Clinic;
            string? secret = kind == NodeKind.Hub ? passphrase.Resolve(result, console, confirm: true) : null;
            directory.Initialise(new NodeConfig(id, kind, result.GetValue(name)!) { DataKeyFile = dataKey }, secret);
            console.MarkupLineInterpolated($"[green]Initialised[/] {kind.ToString().ToLowerInvariant()} {id} in {directory.Path}");
            if (dataKey is not null)
                console.MarkupLineInterpolated($"The log is encrypted at rest (AES-256-GCM) with the data key in {dataKey} (mode 0600). [yellow]Keep a copy of it somewhere safe[/]: without it the log cannot be read. Change it later with `zamsync rekey`.");
            if (kind == NodeKind.Hub)
            {
                console.MarkupLine(secret is null
                    ? "The deployment CA's key is in tls/ca.pfx, [yellow]not encrypted[/] (mode 0600): keep it safe, or re-create the hub with --ca-passphrase-file."
                    : "The deployment CA's key is in tls/ca.pfx, encrypted with your passphrase: `sign` and `issue` will ask for it.");
                console.MarkupLine("Clinics get certificates with `request` (on the clinic), `sign` (here), `install` (on the clinic).");
            }
            else
                console.MarkupLineInterpolated($"Next: `request --dir {directory.Path}`, send the request to the hub's operator for `sign`, then `install` what comes back.");
            return result.GetValue(service) ? WriteService(console, directory, result.GetValue(listen)!, serviceArguments) : 0;
        });
        return command;
    }

    private static string NodeFlag(string initOption) => initOption == "--hub-address" ? "--hub" : initOption;

    private static int WriteService(IAnsiConsole console, NodeDirectory directory, string listen, string[] sync)
    {
        var config = directory.Config;
        if (config.Kind == NodeKind.Hub && sync.Length > 0)
            throw new UsageMistake("a hub's service serves; --hub-address, --hub-id, --every and the budgets are for a clinic's");
        string[] arguments = config.Kind == NodeKind.Hub
            ? ["serve", "--dir", directory.Path, "--listen", listen]
            : ["node", "--dir", directory.Path, .. sync];
        // The service must run as the account that owns the directory (keys are 0600); as root, say so instead.
        string? user = Environment.UserName is { Length: > 0 } name && name != "root" ? name : null;
        string unitName = SystemdUnit.Name(config);
        string path = Path.Combine(directory.Path, unitName + ".service");
        File.WriteAllText(path, SystemdUnit.Render(config, directory.Path, arguments, user));
        console.MarkupLineInterpolated($"[green]Wrote[/] {path}");
        // Commands to copy and paste: written raw, never wrapped at the console's width.
        var raw = console.Profile.Out.Writer;
        raw.WriteLine("Install and start it with:");
        raw.WriteLine($"  sudo cp {path} /etc/systemd/system/ && sudo systemctl daemon-reload && sudo systemctl enable --now {unitName}");
        raw.WriteLine($"Its log: journalctl -u {unitName} -f");
        if (user is null)
            console.MarkupLine("[yellow]It would run as root: better create an account for it, chown the directory to it, and add User= to the unit.[/]");
        return 0;
    }
}
