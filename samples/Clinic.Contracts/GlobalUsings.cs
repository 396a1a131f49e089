global using ZamSync;
