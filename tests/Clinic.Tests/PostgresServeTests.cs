using Npgsql;

namespace Clinic.Tests;

/// <summary>
/// <c>serve --postgres</c>: two hub processes of one hub on one database at once; each clinic reaches whichever one,
/// and what one process received the other serves.
/// </summary>
public sealed class PostgresServeTests : IAsyncLifetime
{
    private readonly Workspace _work = new();
    private readonly string _schema = "clinic_" + Guid.NewGuid().ToString("N");
    private readonly string _connectionString = Environment.GetEnvironmentVariable("ZAMSYNC_POSTGRES") is { Length: > 0 } set
        ? set
        : throw new InvalidOperationException("ZAMSYNC_POSTGRES is not set: run `export ZAMSYNC_POSTGRES=\"$(.ci/postgres)\"` from the repository root.");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await using (var source = NpgsqlDataSource.Create(_connectionString))
        await using (var drop = source.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE"))
            await drop.ExecuteNonQueryAsync();
        _work.Dispose();
    }

    private string[] Sync(string clinic, string address) => ["sync", "--dir", _work.Dir(clinic), "--hub", address, "--hub-id", "1000"];

    private Task<Workspace.ServingHub> ServeProcessAsync(string process) =>
        _work.ServeAsync("hub", "--postgres", _connectionString, "--schema", _schema, "--process", process);

    [Fact]
    public async Task Two_hub_processes_on_one_database_serve_each_others_clinics()
    {
        await _work.InitDeploymentAsync();
        await Workspace.Succeed("init", "--dir", _work.Dir("other"), "--node", "8", "--name", "trashigang");
        await Workspace.Succeed("issue", "--hub-dir", _work.Dir("hub"), "--dir", _work.Dir("other"));
        await Workspace.Succeed("submit", "register", "--dir", _work.Dir("other"), "--patient", "P-002", "--name", "Pema", "--born", "1985-01-09");

        await using (var first = await ServeProcessAsync("a"))
        await using (var second = await ServeProcessAsync("b"))
        {
            Assert.Contains($"on PostgreSQL (schema {_schema}, process a)", first.Console.Output);
            await Workspace.Succeed(Sync("clinic", first.Address));
            await Workspace.Succeed(Sync("other", second.Address)); // receives khaling's patient, which the first process stored
            await Workspace.Succeed(Sync("clinic", second.Address)); // and back the other way
        }
        Assert.Contains("2 patients", await _work.StatusAsync("clinic"));
        Assert.Contains("2 patients", await _work.StatusAsync("other"));

        await using var source = NpgsqlDataSource.Create(_connectionString);
        await using var count = source.CreateCommand($"SELECT count(*) FROM \"{_schema}\".events");
        Assert.Equal(2L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_hub_process_on_PostgreSQL_serves_the_http_api_from_its_own_engine()
    {
        await _work.InitDeploymentAsync();
        await using var hub = await _work.ServeAsync("hub", "--postgres", _connectionString, "--schema", _schema, "--process", "a", "--http", "127.0.0.1:0");
        var web = await WebServeTests.WebAsync(hub);
        await Workspace.Succeed(Sync("clinic", hub.Address));
        using var client = WebServeTests.Client(web.Address, WebServeTests.Token(web.TokenFile));
        using var status = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/status"));
        Assert.Equal(1, status.RootElement.GetProperty("events").GetInt64());
        using var anonymous = new HttpClient { BaseAddress = web.Address };
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/events")).StatusCode);
    }

    [Fact]
    public async Task A_second_process_under_a_name_already_serving_is_refused()
    {
        await _work.InitDeploymentAsync();
        await using var first = await ServeProcessAsync("a");
        var console = new TestConsole();
        int exit = await console.RunAsync("serve", "--dir", _work.Dir("hub"), "--listen", $"127.0.0.1:{Workspace.FreePort()}",
            "--postgres", _connectionString, "--schema", _schema, "--process", "a");
        Assert.NotEqual(0, exit);
        Assert.Contains("processes", console.Errors + console.Output);
    }
}
