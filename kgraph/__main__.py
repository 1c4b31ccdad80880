from kgraph.cli import main

raise SystemExit(main())
