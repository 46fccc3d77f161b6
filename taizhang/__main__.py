from taizhang.cli import main

raise SystemExit(main())
