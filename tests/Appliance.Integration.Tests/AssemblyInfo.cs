// Integration tests share the machine's namespaces, ports inside them and CPU: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
