// Output on stdout, each error as one line on stderr. Progress bars only when stderr is a terminal (never in a pipe,
// a CI log or --json mode). System.CommandLine turns Ctrl+C and SIGTERM into cancellation of the running command.
return await ZamSync.Tool.ToolApp.RunAsync(args, new ZamSync.Tool.ToolConsole(Console.Out, Console.Error, ErrorIsTerminal: !Console.IsErrorRedirected));
