from ekslint.cli import main

raise SystemExit(main())
