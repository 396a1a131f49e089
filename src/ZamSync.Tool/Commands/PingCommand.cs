using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;
using ZamSync.Sync;
using ZamSync.Tool.Output;

namespace ZamSync.Tool.Commands;

/// <summary>
/// <c>ping</c>: a probe handshake with a hub (docs/protocol.md, "Probe"): the round trip, who answers, its protocol,
/// contract and holdings. The hub streams no events and records nothing of the probe.
/// </summary>
internal static class PingCommand
{
    public static Command Create(ToolConsole console)
    {
        var hub = new Option<string>("--hub") { Description = "The hub's address, host:port", Required = true };
        var hubId = Options.NodeId("--hub-id", "The node id the hub must have (required with --cert: its certificate must say so)");
        var cert = new Option<string?>("--cert") { Description = "Mutual TLS: this side's certificate with its key (PKCS#12, e.g. a node's tls/node.pfx); the probe presents its node id" };
        var ca = new Option<string?>("--ca") { Description = "Mutual TLS: the deployment CA certificate (PEM, e.g. tls/ca.crt)" };
        var self = Options.NodeId("--as", "Without TLS: the node id the probe presents (a random one by default)");
        var timeout = Options.Count("--timeout", "Seconds to wait for the connection and the answer (15 by default)");
        var json = Options.Json();
        var command = new Command("ping", "Handshake with a hub and report the round trip, its identity and contract; no events move")
        {
            hub, hubId, cert, ca, self, timeout, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            string address = result.GetValue(hub)!;
            ulong? expected = result.GetValue(hubId);
            string? certFile = result.GetValue(cert), caFile = result.GetValue(ca);
            if ((certFile is null) != (caFile is null)) throw new UsageException("--cert and --ca go together: mutual TLS needs this side's certificate and the deployment CA.");
            if (certFile is not null && expected is null) throw new UsageException("--hub-id is required with --cert: TLS checks that the hub's certificate names that node.");
            if (certFile is not null && result.GetValue(self) is not null) throw new UsageException("--as is for plain TCP: over TLS the probe presents the node id its certificate names.");
            var wait = TimeSpan.FromSeconds(result.GetValue(timeout) ?? 15);

            TlsOptions? tls = certFile is null ? null : LoadTls(certFile, caFile!);
            var probeId = tls is not null
                ? ZamPki.ReadIdentity(tls.Certificate)?.Node ?? throw new ToolFailure($"{certFile}: the certificate names no ZamSync node id.")
                : result.GetValue(self) is ulong chosen ? new NodeId(chosen) : NodeId.NewRandom();
            var options = new TcpTransportOptions { Tls = tls, ConnectTimeout = wait };
            SyncProbeResult answer;
            try
            {
                await using var connection = await TcpTransport.ConnectAsync(new NodeId(expected ?? 0), address, options, cancellationToken).ConfigureAwait(false);
                answer = await SyncProbe.RunAsync(connection, probeId, wait, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                throw new ToolFailure($"cannot reach {address}: {ex.Message}");
            }
            catch (SyncException ex)
            {
                throw new ToolFailure($"{address}: {ex.Message}");
            }
            finally
            {
                tls?.Certificate.Dispose();
                tls?.Authority.Dispose();
            }
            if (expected is ulong id && answer.Peer.Value != id)
                throw new ToolFailure($"{address}: node {answer.Peer} answered, not node {id}.");

            double ms = Math.Round(answer.RoundTrip.TotalMilliseconds, 3);
            if (result.GetValue(json))
            {
                var holds = new JsonObject();
                foreach (var (origin, sequence) in answer.Holds.OrderBy(p => p.Key)) holds[origin.ToString()] = sequence;
                console.Out.WriteLine(new JsonObject
                {
                    ["address"] = address,
                    ["node"] = answer.Peer.ToString(),
                    ["tls"] = tls is not null,
                    ["roundTripMs"] = ms,
                    ["protocol"] = answer.ProtocolVersion,
                    ["contractFingerprint"] = answer.ContractFingerprint,
                    ["holds"] = holds,
                    ["bytesSent"] = answer.BytesSent,
                    ["bytesReceived"] = answer.BytesReceived,
                }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                ulong events = answer.Holds.Aggregate(0UL, (sum, p) => sum + p.Value);
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"node {answer.Peer} at {address}{(tls is not null ? " (mutual TLS)" : "")} answered in {ms} ms: sync protocol {answer.ProtocolVersion}, contract '{answer.ContractFingerprint}', holds {Formats.N(events)} events of {answer.Holds.Count} origins; {answer.BytesSent} bytes sent, {answer.BytesReceived} received, no events."));
            }
            return ToolApp.Success;
        });
        return command;
    }

    private static TlsOptions LoadTls(string certFile, string caFile)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(certFile, null);
        }
        catch (CryptographicException)
        {
            throw new ToolFailure($"{certFile}: not a PKCS#12 certificate with its key (damaged, or protected by a passphrase).");
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new ToolFailure($"{certFile}: holds a certificate but not its private key.");
        }
        try
        {
            return new TlsOptions { Certificate = certificate, Authority = X509Certificate2.CreateFromPem(File.ReadAllText(caFile)) };
        }
        catch (CryptographicException)
        {
            certificate.Dispose();
            throw new ToolFailure($"{caFile}: not a PEM certificate.");
        }
    }
}
