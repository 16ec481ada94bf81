"""The test bed of the `cluster` tier: real control planes on one offline machine, and the charts'
real controllers run as the charts' pods against them.

- `netns`: loopback-only network namespaces, and sockets and threads moved between them;
- `plane`: a control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok's six nodes)
  in a namespace of its own; several run side by side;
- `builds`: the Go builds behind it all, cached by version (control plane, kwok, ct, controllers);
- `volumes`: a stand-in volume binder for the fake nodes;
- `api`: the REST calls the harness makes;
- `harness`: a chart's pod turned into a process (argv, env, volumes, token, pod network);
- `controllers`: one module per controller family (MetalLB, CoreDNS, ECK, ...).

Nothing here delivers charts; rendering, packaging and publishing live beside this package.
"""
