namespace ClinicApp.Hub.Deployment;

/// <summary>The deployment's certificates (configuration section <c>Deployment</c>).</summary>
public sealed class DeploymentOptions
{
    /// <summary>Names the deployment in the CA's subject.</summary>
    public string Name { get; set; } = "ClinicApp";

    /// <summary>
    /// Where the CA, the hub's certificate and each node's certificate live (relative to the folder you run from).
    /// The nodes read theirs from here too, so on one machine the folder is shared; on several, copy a node its
    /// <c>node-&lt;id&gt;.pfx</c> and <c>ca.crt</c>.
    /// </summary>
    public string TlsFolder { get; set; } = "tls";

    /// <summary>The node ids the hub issues a certificate for (once each, on the first start that lists it).</summary>
    public List<ulong> Nodes { get; set; } = new();
}
