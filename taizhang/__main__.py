from taizhang.cli import run

run()
