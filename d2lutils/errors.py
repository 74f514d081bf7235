"""在笔记本里演示“预期中的错误”：显示错误信息，然后继续运行。见第 01 课。"""

from __future__ import annotations

import contextlib
import sys
from typing import Iterator


class ExpectedError:
    """``expect_error`` 记下的结果：``exception`` 是捕获到的异常（还没有运行完时为 None）。"""

    def __init__(self) -> None:
        self.exception: BaseException | None = None


@contextlib.contextmanager
def expect_error(*types: type[BaseException]) -> Iterator[ExpectedError]:
    """运行 with 块里的代码，它应当抛出 ``types`` 之一的异常。

    抛出了：把异常的类型和信息（像 Python 的错误回溯的最后一行那样）打印到 stderr，笔记本继续运行；
    没有抛出，或抛出了别的异常：抛出 AssertionError，说明预期的是什么、实际发生了什么。
    这样在任何前端里“全部运行”（Run all）都不会停在演示用的错误上，而演示失效时又会立即被发现。
    """
    if not types or not all(isinstance(t, type) and issubclass(t, BaseException) for t in types):
        raise TypeError(f"expect_error 需要至少一个异常类型，例如 expect_error(ValueError)，实际是 {types!r}。")
    names = "、".join(t.__name__ for t in types)
    result = ExpectedError()
    try:
        yield result
    except types as exc:  # 预期中的错误：显示出来，不中断
        result.exception = exc
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return
    except Exception as exc:  # 别的错误（KeyboardInterrupt 等照常向外传）
        raise AssertionError(f"这里预期抛出 {names}，实际抛出的是 {type(exc).__name__}: {exc}") from exc
    raise AssertionError(f"这里预期抛出 {names}，代码却正常运行完了：要演示的错误没有出现。")
