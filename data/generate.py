"""python -m data.generate: the documented command that builds the demo city (data/demo/generate.py)."""

from data.demo.generate import main

if __name__ == "__main__":
    main()
