"""简体中文 (Simplified Chinese prose).

The same keys and the same ``{placeholders}`` as ``en.py``; the symbols,
equation names (BP1-BP4) and numbers inside each message are unchanged.
The technical terms are the ones ``terms.py`` lists, and only those."""

MESSAGES = {
    # -- shared ----------------------------------------------------------------
    "batch.mean": "一个批量中 m 个样本损失的平均值",
    "batch.sum": "一个批量中各样本损失之和（'sum'：没有 1/m）",
    "loss.se": "平方误差：Σₖ (ŷₖ - yₖ)²",
    "loss.half_se": "一半的平方误差：½ Σₖ (ŷₖ - yₖ)²",
    "loss.mse": "均方误差：(1/n_L) Σₖ (ŷₖ - yₖ)²",
    "loss.bce": "二元交叉熵（sigmoid 输出）",
    "loss.ce": "交叉熵（softmax 输出，Y 的每一行之和为 1）",
    "assume.targets_sum_to_one": "当一行的目标值之和为 1 时（one-hot 或概率）",
    "assume.": "",
    "title": "{name} 的反向传播",

    # -- scalar view ---------------------------------------------------------------
    "scalar.conventions": (
        "约定：层从 0（输入层）编号到 L = {L}（输出层）；上标 (l) 是层的编号，不是指数。w⁽ˡ⁾ⱼₖ 连接第 l-1 层的"
        "神经元 k 与第 l 层的神经元 j（j 为去向，k 为来源），所以 W⁽ˡ⁾ 的形状是 (nₗ × nₗ₋₁)，与 "
        "torch.nn.Linear 相同。z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾，a⁽ˡ⁾ = f(z⁽ˡ⁾)，a⁽⁰⁾ = x，ŷ = a⁽ᴸ⁾。"
        "δ⁽ˡ⁾ⱼ = ∂J/∂z⁽ˡ⁾ⱼ（神经元 j 的误差项 δ）。J 是{batch}；下面对单个样本写出 J，此时两者一致。"),
    "scalar.forward": "前向传播（逐步计算）",
    "scalar.first_of_each": "每层只写出第一个神经元；其余神经元的形式相同。",
    "scalar.batch_graph": "批量归一化把一个批量中的样本混在一起，所以网络按 m = {m} 行的批量写出；[r] 表示第 r 行。",
    "scalar.backward": "反向传播：误差项 δ",
    "scalar.backward_intro": ("误差项 δ = ∂J/∂z 从输出层往回只算一次，并被该层的每个参数重复使用。每个 δ 都是上游的 δ "
                              "乘以一个局部导数，再对该量所影响的所有量求和。"),
    "scalar.fan_out": "{name} 影响 {n} 个量，所以它的 δ 是 {n} 项之和：代码中梯度用 += 累加，绝不能用 = 覆盖。",
    "scalar.box": "用到的激活函数导数",
    "box.in_a": "用 a = f(z) 表示",
    "box.in_z": "用 z 表示（f 没有反函数，无法用 a 表示）",
    "box.at_zero": "按约定 {name}′(0) = {value}",
    "box.softmax_same": "softmax，相同下标：ŷⱼ(1 - ŷⱼ)",
    "box.softmax_cross": "softmax，不同下标 k ≠ j",
    "scalar.paths": "从 {name} 到 J 有 {n} 条依赖路径；链式法则对它们求和：",
    "scalar.along_paths": "沿路径应用链式法则",
    "scalar.locals": "局部导数",
    "scalar.simplified": "化简",
    "scalar.at_example": "在第 1 个样本处",
    "scalar.too_many_paths": "从 {name} 到 J 有 {n} 条依赖路径，太多，无法一一列出。反向传播在 δ 中对每个神经元只求和一次。",
    "scalar.reusing": "复用反向传播中的 {deltas}",
    "scalar.general_title": "一般公式",
    "scalar.general": "这个网络有 {n} 个参数，太多，无法逐个写出。",
    "scalar.general_shown": "上面每层给出一个有代表性的权重（和偏置）。所有参数都满足同样的一般公式：",
    "scalar.too_large": "标量视图适用于小网络：这个网络有 {n} 个参数。任意宽度的 BP1-BP4 见误差项视图（--view delta）。",
    "scalar.title_large": "标量视图",
}

MESSAGES.update({
    "scalar.path_one": "从 {name} 到 J 有一条依赖路径：",
    # -- numbers -----------------------------------------------------------------
    "numbers.the_example": "算例",
    "numbers.data_intro": "{described}（m = {m} 个样本；{how}）。",
    "numbers.mean": "J 取它们的平均",
    "numbers.sum": "J 把它们相加",
    "numbers.row": "行",
    "numbers.parameter": "参数",
    "numbers.value": "值",
    "numbers.quantity": "量",
    "numbers.masks": "Dropout 的保留掩码 {keys} 是算例的一部分：在推导中是常数。",
    "numbers.data_title": "算例：数据",
    "numbers.forward_title": "算例：前向传播",
    "numbers.batch_loss": "这个批量上的损失",
    "numbers.delta_title": "算例：误差项 δ（δ = ∂ℓ/∂z，逐个样本）",
    "numbers.gradient_title": "算例：梯度",
    "numbers.more_params": "……另有 {n} 个参数。",
    "numbers.step": "步",
    "numbers.first_params": "（只列出 {n} 个参数中的前 {k} 个）",
    "numbers.descent_rule": "每一步：对每个参数 θ，θ ← θ - {lr} · ∂J/∂θ。",
    "numbers.exact": "这里的每个值都是精确值。",
    "numbers.fixed": "较短的值是精确的；较长的值以 {digits} 位有效数字参与计算，显示时四舍五入。",
    "numbers.descent_title": "梯度下降：{steps} 步，学习率 {lr}",
    # -- teaching notes -------------------------------------------------------------
    "notes.title": "为什么是这样",
    "notes.saturation": ("饱和：{name}′ 最大为 {peak}。在 z = 50 处它精确地等于 {exact}，但在 float64 中 {name}(50) "
                         "舍入为 {a64}，所以 {form} 算出 {f64}：经过饱和神经元的梯度消失了，它之前的权重不再学习。"),
    "notes.relu": "ReLU 在 z > 0 处原样传递梯度，在 z ≤ 0 处阻断梯度（relu′(0) = 0，与 PyTorch 相同）：每个样本各自打开或关闭这些路径。",
    "notes.reverse": ("为什么用反向模式：一次前向传播大约需要 F = {F} 次乘法。前向模式（或有限差分）每个参数需要一次传播："
                      "求全部 P = {P} 个梯度约需 {forward} 次乘法。反向传播只需一次前向传播和一次反向传播，约 {reverse} 次："
                      "少 {ratio} 倍。用矩阵的话说，反向模式让一个行向量（上游梯度）依次乘以各个雅可比矩阵；前向模式则是矩阵乘矩阵。"),
    "notes.reverse_small": ("为什么用反向模式：一次前向传播大约需要 F = {F} 次乘法。只有 P = {P} 个参数时，每个参数一次前向模式"
                            "传播（{forward}）并不比反向传播的一次前向加一次反向（{reverse}）更贵；反向模式的优势随 P 增大："
                            "一个有一百万个权重的网络需要一百万次前向模式传播，而反向传播仍然只需大约两次。"),
    "notes.check": ("梯度检验（中心差分，h = {h}）：对 θ = {name}，J(θ + h) = {plus}，J(θ - h) = {minus}，所以 "
                    "(J(θ + h) - J(θ - h)) / 2h = {numeric}，而反向传播给出 {analytic}（相对差 {rel}）。"),
    "notes.check_how": ("用数值方法检验梯度：(J(θ + h) - J(θ - h)) / 2h 与反向传播的结果相差约 h²（float64 中取 h ≈ 1e-4）；"
                        "加上 --numbers 可以看到这个网络的检验。"),
    "notes.seed001": "代入 x = {x} 和 y = {y} 后，J 只是 w 的函数，它的导数也是；导数在 w = {w_star} 处为零：梯度下降让 w 走向这一点。",
    "verify.title": "验证",
    "verify.ok": ("已验证：这里列出的全部 {n} 个梯度都等于用前向模式算出的 dJ/dθ，即对从 θ 到 J 路上的每个定义做 sympy.diff"
                  "（3 个随机点；12 位有效数字一致），"),
    "verify.ok_one": ("已验证：该梯度等于用前向模式算出的 dJ/dθ，即对从 θ 到 J 路上的每个定义做 sympy.diff"
                      "（3 个随机点；12 位有效数字一致），"),
    "verify.failed": "验证失败：{names}。",
    "verify.locals": "并且反向传播的全部 {n} 个局部导数都等于对其定义做 sympy.diff 的结果",
    "json.no_scalar": "这个网络的标量图约有 {terms} 项（上限 {limit}）；下面的下标级方程描述了每个梯度",
})

MESSAGES.update({
    # -- delta view ------------------------------------------------------------------
    "delta.title": "误差项视图（BP1-BP4）：{spec}",
    "delta.intro": ("{spec} 的四个反向传播方程 BP1-BP4，用 SymPy 在下标层面推导（对每层的前向定义做 sympy.diff，"
                    "克罗内克 δ 被下标求和消去），再读回矩阵乘积的形式。推导时各层宽度保持为符号，所以任意宽度的代价都一样。"),
    "delta.dense_only": "下标层面的视图（矩阵形式的 BP1-BP4）只为全连接网络推导；上面的标量视图逐个量地覆盖了这个网络的各层。",
    "delta.layout": (
        "布局：每行是一个样本。X 是 (m × n₀) 的批量，每行一个样本；Y 和输出 Ŷ 是 (m × n_L)。W⁽ˡ⁾ 是 "
        "(nₗ × nₗ₋₁)，其元素 w⁽ˡ⁾ⱼₖ 连接第 l-1 层的神经元 k 与第 l 层的神经元 j（j 为去向，k 为来源，与 "
        "torch.nn.Linear 相同），所以 Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾W⁽ˡ⁾ᵀ + b⁽ˡ⁾，A⁽ˡ⁾ = f(Z⁽ˡ⁾)。\n"
        "δ⁽ˡ⁾ = ∂J/∂z⁽ˡ⁾ 是神经元的误差项（Nielsen 的 δ）；矩阵 Δ⁽ˡ⁾ 每行是一个样本的误差项。括号中的上标是层的"
        "编号，不是指数。j = p 时 [j = p] 为 1，否则为 0（克罗内克 δ，用方括号写，以免与误差项 δ 混淆），⊙ 是逐元素"
        "乘积，1ₘ 是 m 个 1 组成的列向量，M[r,k] 是第 r 行第 k 列的元素。"),
    "delta.inputs": "输入，每行一个样本",
    "delta.weights": "第 {l} 层的输入权重",
    "delta.biases": "第 {l} 层的偏置",
    "delta.pre": "带权输入（预激活）",
    "delta.outputs": "{act} 的输出",
    "delta.prediction": "（预测值）",
    "delta.errors": "第 {l} 层的误差项 ∂ℓ/∂z，逐个样本",
    "delta.targets": "目标值",
    "delta.quantity": "量",
    "delta.shape": "形状",
    "delta.meaning": "含义",
    "delta.shapes_title": "约定与形状",
    "delta.batch_title": "批量的约定",
    "delta.reduction_sum": "归约方式 'sum'",
    "delta.reduction_mean": "对批量取平均",
    "delta.batch_sum": ("J 是各样本损失 ℓᵣ 之和。Δ⁽ˡ⁾ 的每一行是该样本的误差项 ∂ℓᵣ/∂z；直接求和时任何地方都没有 1/m："
                        "∂J/∂W 和 ∂J/∂b 把各行加起来。"),
    "delta.batch_mean": ("Δ⁽ˡ⁾ 的各行是逐个样本的误差项 ∂ℓᵣ/∂z，不含 1/m；在层与层之间传播的就是它们（BP1，BP2）。"
                         "平均值的 1/m 只出现一次，在 ∂J/∂W 和 ∂J/∂b 上（BP3，BP4）。"),
    "delta.row_r": "某层前向定义的第 r 行，W 按 输出 × 输入 存储：",
    "delta.row_note": "第 r 行 = 第 r 个样本",
    "delta.diff_weight": "对一个权重做 sympy.diff 得到克罗内克 δ；对 k 的求和只留下 k = q：",
    "delta.sum_rows": ("链式法则对该权重影响到的每个 z 求和：所有行 r 和所有神经元 j。方括号 [j = p] 只留下 j = p；"
                       "对批量各行 r 的求和保留下来，而对行下标求和就是与转置相乘："),
    "delta.bp4_shape": "(nₗ×m)(m×nₗ₋₁) → (nₗ×nₗ₋₁)，即 W 的形状",
    "delta.diff_bias": "对偏置，∂z/∂b 是一个克罗内克 δ，误差项在批量（各行）上求和：",
    "delta.bp3_shape": "(nₗ×m)(m×1) → (nₗ×1)，即 b 的形状",
    "delta.one_down": "往下一层，a⁽ˡ⁾ 影响同一行 r 中第 l+1 层的每个神经元 j：",
    "delta.bp2_shape": "(m×nₗ₊₁)(nₗ₊₁×nₗ) → (m×nₗ)",
    "delta.general_title": "从标量到下标（一般的第 l 层）",
    "delta.output_layer": "输出层",
    "delta.hidden_layer": "隐藏层",
    "delta.layer_title": "第 {l} 层（{kind}，{act}，{n_prev} → {n}）",
    "delta.fprime_note": "{name}′ 取自规则表",
    "delta.at_zero": "{name}′(0) 按规则表的约定",
    "delta.bp1_shape": "形状 {shape}，每行一个样本，没有 1/m",
    "delta.softmax_loss": "第 r 个样本的损失，其中 softmax 按规则表展开：",
    "delta.softmax_diff": "softmax 把各输出耦合在一起，所以直接对 z 求 ℓᵣ 的导数；sympy.diff 在两个求和中都给出克罗内克 δ，并被消去：",
    "delta.any_targets": "精确，对任意目标值成立",
    "delta.loss_sum": "第 r 个样本的损失（{loss}）写成对各输出的求和：",
    "delta.loss_diff": "对一个输出做 sympy.diff 得到一个克罗内克 δ，求和随之消去：",
})

MESSAGES.update({
    # -- index view of networks beyond dense (derive/views/delta_kinds) ---------------
    "index.intro": ("{spec} 的反向传播，用 SymPy 在下标层面推导：每层的前向定义用带下标的符号和符号化的尺寸写出，"
                    "sympy.diff 给出克罗内克 δ，求和随之消去。每层从上一层接收损失对其输出的梯度，并把损失对其输入的梯度"
                    "往下传。推导时尺寸保持为符号，所以任意尺寸的代价都一样。"),
    "index.layout": (
        "布局：每行是一个样本；图像批量是 (m × C × H × W)，序列批量是 (m × T × F)。W⁽ˡ⁾ 与 torch 相同，是 "
        "(输出 × 输入)。对任意量 Q，dQ = ∂L/∂Q，其中 L = Σᵣ ℓᵣ 是各样本损失之和（取平均时 J = L/m）：这些梯度不含 "
        "1/m，1/m 只在参数梯度 ∂J/∂θ 上出现一次。δ = dz 是带权输入的误差项（Nielsen 的 δ），Δ⁽ˡ⁾ 是它的数组。"
        "下标从 1 开始；e = f 时 [e = f] 为 1，否则为 0，[a ≤ e ≤ b] 同理（艾弗森括号，以免与误差项 δ 混淆）；"
        "⊙ 是逐元素乘积。"),
    "index.sizes": "推导中每个尺寸都是符号；在这个网络中 {sizes}，批量有 m 行。",
    "index.flatten_title": "第 {l} 层（flatten，{shape} → {n}）",
    "index.flatten_rows": "输入，每行一个样本（行优先）",
    "index.flatten_intro": ("flatten 把每个样本的 {sizes} 个元素按行优先写成长度 n = {n} 的一行（torch.flatten）："
                            "最后一个下标变化最快。写成定义，下标映射用克罗内克 δ 表示："),
    "index.row_major": "行优先",
    "index.flatten_diff": "对一个输入元素做 sympy.diff 得到克罗内克 δ；对输入下标的求和先消去，然后是对 k 的求和，只剩一项：",
    "index.same_numbers": "同样的数，重排为 {shape}",
})

MESSAGES.update({
    "index.conv_title": "第 {l} 层（conv({c},{k})，步幅 {s}，填充 {p}，{act}：{shape_in} → {shape_out}）",
    "index.conv_weights": "第 {l} 层的卷积核：输出通道 × 输入通道 × K × K",
    "index.conv_intro": ("每个输出通道 c 在四周各填充 P 个零之后，以步幅 S 在输入通道 c′ 上滑动它的 K × K 卷积核"
                         "（互相关，与 torch.nn.Conv2d 相同）。样本 r 的输出像素 (i, j) 读取输入像素 S(i-1)+u-P, "
                         "S(j-1)+v-P，其中抽头 u, v = 1..K："),
    "index.zero_padding": "x 在其 H × W 之外为 0：零填充",
    "index.conv_act": "然后逐元素地 a = {act}(z)；每个 z 只影响它自己的 a：",
    "index.conv_diff_w": "对一个权重做 sympy.diff，得到普通下标上的克罗内克 δ；对 c′, u, v 的求和只留下相应的抽头：",
    "index.conv_sum_w": "这个权重被每个输出像素和每个样本共享，所以链式法则对它们全部（r, c, i, j）求和；[c = p] 只留下 c = p：",
    "index.conv_dw_note": "W 的形状：{shape}",
    "index.conv_correlation": ("把它读作互相关：卷积核 (p, q) 的抽头 (s, e) 收集输出通道 p 的误差项乘以输入通道 q，"
                               "后者按抽头平移、每隔 S 个像素取样，对样本和输出像素求和（填充处的输入按 0 计）。"),
    "index.conv_db_note": "b 的形状：{shape}；每个通道一个偏置，对样本和像素求和",
    "index.conv_diff_x": ("对一个输入像素，克罗内克 δ 中是下标表达式：[h = S(i-1)+u-P]。消去时解出抽头 u = h + P - S(i-1)，"
                          "并把它的取值范围保留为一个方括号：窗口不覆盖 (h, g) 的输出像素没有贡献。"),
    "index.conv_first": "（X 本身不需要梯度；这是下面一层会收到的量。）",
    "index.conv_solved": "解出抽头 u, v",
    "index.conv_brackets": "只对输入像素求和（h 从 1 到 H，g 从 1 到 W）：填充的位置不属于任何输入，所以填充后输入的梯度被裁回 H × W。",
    "index.conv_stride_one": ("步幅为 1 时这是一个完全卷积。把求和下标从输出行 i 换成抽头 u = h + P + 1 - i（j 换成 v 同理）；"
                              "u 上的方括号变成求和范围，原来 i 的范围变成 Δ 下标上的方括号："),
    "index.conv_dilate": "步幅 S = {s} 时，输出像素在输入上相隔 S 个像素。把误差项摊开，相邻两项之间插入 S - 1 个零（膨胀后的误差项 Δ̃），步幅为 1 的公式就适用于它：",
    "index.conv_dilated_form": "Δ̃ 上步幅为 1 的形式",
    "index.conv_back": "代入 Δ̃ 并消去，回到一般形式",
    "index.conv_reindexed": "换下标：抽头遍历卷积核",
    "index.conv_padded": "{name}：误差项在其范围之外按 0 计（零填充）",
    "index.conv_flipped": "{name}：翻转的卷积核，抽头倒着数",
    "index.conv_full": "最后一行把零填充的误差项与翻转的卷积核做互相关：即误差项与卷积核的完全卷积（四周各填充 {pad}）。",
})

MESSAGES.update({
    "index.pool_title": "第 {l} 层（{mode}pool({k})：{shape_in} → {shape_out}）",
    "index.pool_rows": "每个 {k} × {k} 窗口的{mode}",
    "index.pool_mask": "每个窗口第一个最大值处为 1，其余为 0",
    "index.max_intro": "最大池化保留每个 K × K 窗口（步幅 K）中最大的元素。对一个四元素窗口的 max 做 sympy.diff：",
    "index.max_heaviside": "x₁ 最大处为 1，其他元素最大处为 0",
    "index.max_mask": ("所以窗口的最大值就是用 argmax 掩码 I 给各元素加权：最大值处为 1（并列时取窗口顺序中的第一个，"
                       "torch 也把梯度送到那里），其余为 0。在 max 可导的地方 I 是常数："),
    "index.avg_intro": "平均池化取每个 K × K 窗口（步幅 K）的平均值：",
    "index.pool_diff": ("对一个输入像素，sympy.diff 给出 [h = K(i-1)+u]：消去时解出抽头 u = h - K(i-1)，方括号 "
                        "1 ≤ h - K(i-1) ≤ K 恰好对一个窗口成立，即 i = ⌈h/K⌉："),
    "index.pool_one_window": "包含 (h, g) 的那一个窗口",
    "index.max_routes": "梯度被路由：每个窗口的误差项送到它的最大值处，其他元素得到 0。最后一个完整窗口之外的像素（方括号）不属于任何窗口，也得到 0。",
    "index.avg_spreads": "梯度被均摊：每个窗口的误差项平均分给它的元素，每个得到 1/K²。最后一个完整窗口之外的像素（方括号）不属于任何窗口，得到 0。",
})

MESSAGES.update({
    "index.norm_title": "第 {l} 层（{kind}：{shape}）",
    "index.gamma": "第 {l} 层的缩放 γ",
    "index.beta": "第 {l} 层的平移 β",
    "index.mu": "各组的均值",
    "index.var": "各组的方差（有偏：1/N）",
    "index.xhat": "归一化后的输入",
    "index.norm_out": "输出 γ x̂ + β",
    "index.bn_stats": "批量归一化对每个特征在批量上归一化：均值和有偏方差取自 N = {n} 个样本（训练模式，与 torch 相同），γ 和 β 每个特征一个数。",
    "index.bn2d_stats": ("图像上的批量归一化（BatchNorm2d）对每个通道在批量中它的全部元素上归一化：通道 c 的统计量取自批量中"
                         "各样本各像素的 N = {n} = {count} 个元素，γ 和 β 每个通道一个数。"),
    "index.ln_stats": "层归一化对每个样本在它自己的元素上归一化：第 r 行的统计量取自它的 N = {n} = {count} 个元素，与批量大小无关，γ 和 β 的形状与一个样本相同。",
    "index.norm_paths": "每个 x 经三条路径到达损失：直接经过 x̂，经过均值 μ，以及经过方差 σ²。下标层面的链式法则从上往下处理它们：",
    "index.norm_dxhat": "每个 x̂ 只影响它自己的输出",
    "index.norm_zero": "与均值的偏差之和为 0：{mu} 是它们的均值",
    "index.norm_dx": "再看 x 本身：它的 x̂（路径 1）、它所在组的方差（路径 2）和均值（路径 3）。对每个定义做 sympy.diff 得到克罗内克 δ，随之消去：",
    "index.norm_simplify": "代入 dσ² 和 dμ，把 x - μ 写成 σ x̂，展开并合并求和，得到化简后的形式：",
    "index.norm_proof": "SymPy：与三条路径之和相等（两者之差展开后为 0）",
    "index.norm_in_upstream": "其中 dx̂ = γ da",
    "index.norm_params": "γ 和 β 由所在组的元素共享，所以它们的梯度对这些元素求和：",
    "index.param_shape": "形状 {shape}",
})

MESSAGES.update({
    "index.dropout_title": "第 {l} 层（dropout，p = {p}）",
    "index.dropout_mask": "保留掩码（给定）：1 保留，0 丢弃",
    "index.dropout_out": "保留下来的元素，乘以 1/(1 - p)",
    "index.dropout_intro": "反向缩放的 dropout 把每个元素乘以对应的保留掩码元素和 1/(1 - p)。掩码在传播之前抽取，在推导中是常数：",
    "index.dropout_const": "M 是给定的常数",
    "index.dropout_why": ("梯度以同样的掩码和同样的缩放传回：被丢弃的元素得不到梯度。缩放 1/(1 - p) 使每个元素的期望值与不用 "
                          "dropout 时相同，所以推断时只需关掉 dropout。"),
})

MESSAGES.update({
    "index.res_title": "残差块（第 {first}-{last} 层，{act}）：跳跃连接",
    "index.res_sum": "x + F(x)：输入加上内部各层的输出",
    "index.res_out": "和的 {act}：残差块的输出",
    "index.res_intro": "残差块把输入 x 与内部各层对它的变换 F(x) 相加，再对和施加它的激活函数：",
    "index.res_branch": "∂s/∂F 是单位映射，所以内部各层原样收到和的梯度（加法门把梯度传给它的两个输入）：",
    "index.res_sum_title": "残差块（第 {first}-{last} 层）：梯度沿跳跃连接相加",
    "index.res_sum_intro": "x 既直接进入求和，也进入第一个内部层，所以它的梯度是两者之和：跳跃连接的份额（∂s/∂x 是单位映射）与内部各层往下传的份额：",
    "index.res_inner": "{share}：内部各层的份额",
    "index.res_adds": "梯度相加",
    "index.res_why": "跳跃连接让梯度绕过内部各层、原封不动：无论它们的份额多小，dS 都能到达残差块的输入，这就是深层残差网络仍能学习的原因。",
})

MESSAGES.update({
    "index.l2_title": "L2 惩罚（λ = {lam}）",
    "index.l2_intro": "l2({lam}) 在 J 上加上 (λ/2) Σ w²，对每个权重数组（{keys}）的每个元素求和；偏置、γ 和 β 不受惩罚。对任意形状的一个权重数组 W：",
    "index.l2_any": "惩罚项在 J 中的份额",
    "index.l2_collapse": "克罗内克 δ 只留下 w[p, q]",
    "index.l2_where": "所以每个权重的梯度在反向传播给出的值之外再加上 λ w（上面每个权重梯度中的 '+ λ W'）：这就是权重衰减，把每个权重拉向 0。",
})

MESSAGES.update({
    "index.rec_title": "第 {l} 层（{cell}({h})，输入 {shape}）：随时间反向传播",
    "index.rec_weights_title": "第 {l} 层：共享的权重，对时间求和",
    "index.rec_wx": "输入权重，各门堆叠{order}",
    "index.rec_wh": "隐藏权重，各门堆叠{order}",
    "index.rec_h": "隐藏状态，每个时间步",
    "index.rec_out": "最后一个时间步的 h：该层的输出",
    "index.lstm_order": " 四个门的带权输入按 torch 的顺序 (i, f, g, o) 堆叠：z 的第 1..n、n+1..2n、2n+1..3n、3n+1..4n 行。",
    "index.gru_order": (" 各门按 torch 的顺序 (r, z, n) 堆叠；torch 称为 z 的更新门这里记作 gᵤ（z 留给带权输入），并且与 torch "
                        "相同，输入部分和隐藏部分是两个乘积 zₓ 和 zₕ，以便重置门只作用于隐藏部分。"),
    "index.rec_intro": "{cell} 层在每个序列的 T 个时间步上运行，每一步使用相同的权重，输出最后一个隐藏状态。{order} 按时间展开，t 为时间步：",
    "index.rec_last": "该层的输出是最后一个时间步",
    "index.rec_zero": "第 0 步的 h（和 c）为 0，与 torch 默认的初始状态相同：读取第 0 步的项为零。",
    "index.rec_dh": ("第 s 步的 h 影响输出（只在 s = T 时）和下一步（只在 s < T 时）。sympy.diff 从输出给出 [T = s]，从下一步给出 "
                     "[t - 1 = s]；消去时解出 t = s + 1，保留方括号 [s + 1 ≤ T]：递推从 s = T 开始，一步一步往回走。"),
    "index.rec_dh_note": "h 影响两个量的地方梯度相加",
    "index.rec_delta": "经过每一步的激活函数（tanh′ = 1 - h²，取自规则表）：",
    "index.rec_factor": "反复出现的因子：在时间上往回一步就乘以 ∂h_u/∂h_(u-1)，它来自对展开 z_u 后的 h_u = tanh(z_u) 做 sympy.diff：",
    "index.rec_one_step": "对 s < T：往回一步",
    "index.rec_product": "从最后一步展开：逐个样本，按列",
    "index.rec_vanishing": ("每一步把梯度乘以 Wₕᵀ diag(f′(z_u))。由于 |tanh′| ≤ 1，k 步之后它的大小至多为 (‖Wₕ‖ max|f′|)ᵏ："
                            "小于 1 时，从损失传到早期时间步的梯度按几何级数缩小（梯度消失），大于 1 时可能按几何级数增长（梯度爆炸）。"),
    "index.lstm_gates": "经过 h = o tanh(c)：输出门和细胞状态。",
    "index.lstm_cell": "第 s 步的细胞状态 c 影响第 s 步的 h 和第 s + 1 步的 c（经过遗忘门 f）：",
    "index.lstm_dc_note": "细胞状态的路径",
    "index.lstm_why": ("沿细胞状态往回一步只乘以遗忘门：dc_s 得到 dc_(s+1) ⊙ f_(s+1)，中间没有 Wₕ，也没有挤压函数的导数。"
                       "遗忘门保持接近 1 的地方，梯度几乎不变地穿过许多步：正是这条路径让 LSTM 在长序列上保持梯度。"),
    "index.rec_stacked": ("堆叠的带权输入 z：每个门（{order}）读取自己的一块行，所以消去后每块留下一个方括号，门的导数取自规则表"
                          "（门用 σ′ = σ(1 - σ)，候选值用 tanh′ = 1 - t²）："),
    "index.rec_block": "{gate} 块",
    "index.gru_gates": "经过 h = (1 - gᵤ) n + gᵤ h_(s-1)：候选值 n 和更新门 gᵤ（torch 的 z）。",
    "index.gru_reset": "重置门位于候选值之中，在 n 的那些行上 n = tanh(zₓ + gᵣ ⊙ zₕ)：它的梯度是 n 的梯度乘以 tanh′ 再乘以它所缩放的隐藏部分 zₕ。",
    "index.gru_reset_note": "候选值中的重置门",
    "index.gru_hidden": "隐藏部分 zₕ 在 r 行和 z 行上得到相同的误差项，在 n 行上得到按重置门缩放的候选值误差项：",
    "index.rec_shared": "每一步都使用相同的 Wₓ、Wₕ 和偏置，所以它们的梯度把所有时间步（和所有样本）的贡献相加：每个权重对时间求一次和。",
    "index.rec_down": "输入序列的梯度，逐个时间步：",
})

MESSAGES.update({
    "index.verify_title": "下标视图的验证",
    "index.verify_ok": ("已验证：下标视图的全部 {n} 个结果（每个下标形式，以及给出矩阵形式时的矩阵形式）在 m = {m} 个随机样本的批量上"
                        "都等于标量图的精确梯度和伴随量（多于 48 个元素的结果随机抽取其中 48 个），9 位有效数字一致"),
    "index.verify_smaller": "（在 {spec} 上检验：推导对每个尺寸都是符号化的，所以网络自己的公式在一个小到标量图能处理的副本上检验）",
    "index.verify_failed": "下标视图验证失败：{names}。",
    "index.verify_none": "这个网络没有小到标量图能处理的副本；下标视图未经检验。",
})

MESSAGES.update({
    "optimizer.title": "{name}：{steps} 步，学习率 {lr}",
    "optimizer.intro": "每一步对每个参数 θ 及其第 t 步的梯度 g 应用 {name} 的规则（torch.optim 的规则，取其默认值）；表中跟踪 {p}，并列出每一步之后优化器的状态。",
    "optimizer.adam_first": "Adam 的头几步让每个参数移动大约一个学习率，而与梯度大小无关：t = 1 时 m̂/√v̂ 是 g/|g| = ±1，只要梯度符号不变就保持在 ±1 附近。这里头几步移动了 {moves} 倍的 η。",
})

MESSAGES.update({
    # -- staged expression (derive --expr) -------------------------------------------
    "staged.title": "{out} = {expr} 的分步反向传播",
    "staged.title_long": "一个表达式的分步反向传播",
    "staged.variables": "变量：{variables}。对 {wrt} 求导。",
    "staged.how": ("每一行前向计算是一个门，输出为 {prefix}1, {prefix}2, ...；反向各行倒序访问这些门，把上游梯度 "
                   "∂{out}/∂(门的输出) 乘以该门的局部导数，局部导数来自只对这个门做 sympy.diff。"),
    "staged.at": "取 {values}（值为有理数时精确计算）。",
    "staged.forward": "前向传播",
    "staged.backward": "反向传播",
    "staged.gradients": "梯度",
    "staged.backward_intro": "反向各行使用对应前向门的数值。一个值分流进入多个门时，它的梯度相加：后面的行用 +=。",
    "staged.backward_intro_some": ("反向各行使用对应前向门的数值。一个值分流进入多个门时，它的梯度相加：后面的行用 +=。"
                                   "只沿通向 {wrt} 的分支往回走（不走 {skipped}）。"),
    "staged.forward_label": "前向 {step}",
    "staged.backward_label": "反向 {step}",
    "staged.seed_label": "起点",
    "staged.seed": "输出对自身的梯度",
    "staged.gate": "{kind} 门",
    "staged.add": "加法门分发梯度",
    "staged.id": "恒等：局部导数为 1",
    "staged.mul": "乘法门交换它的输入",
    "staged.sign": "{kind} 门：局部导数 {sign}",
    "staged.max": "max 门把梯度路由到较大的输入",
    "staged.min": "min 门把梯度路由到较小的输入",
    "staged.max_to": "max 门把梯度路由到较大的输入 {winner}",
    "staged.min_to": "min 门把梯度路由到较小的输入 {winner}",
    "staged.tie": "{kind} 门：两者相等，各得一半",
    "staged.in_output": "{kind} 门：用它的输出 {out} 表示的局部导数",
    "staged.in_input": "{kind} 门：用它的输入 {input} 表示的局部导数",
    "staged.fork": "分叉：梯度相加",
    "staged.fork_total": "分叉：合计 {total}",
    "staged.both": "{first}；{second}",
    "staged.check": "检验：{how}",
    "staged.check_identical": "与 sympy.diff{what} 完全相同",
    "staged.check_cancels": "sympy.diff{what} 减去它化简为 0",
    "staged.check_points": "在 {points} 个随机点上与 sympy.diff{what} 一致",
    "staged.check_ties": "sympy.diff{what} 对 max/min 相等的情形分法不同（一种约定）",
    "staged.check_untested": "未与 sympy.diff{what} 比较：在每个随机点上都无定义",
    "staged.check_tie_value": "max/min 相等（第 {steps} 步）：sympy.diff 的分法不同，{value}",
    "numbers.example": "样本 {r}",
    "numbers.more": "……（另有 {n} 个）",
    "notes.saturation_none": "这个网络没有 sigmoid 或 tanh 神经元，所以不会饱和。作为对比，一个 sigmoid 神经元：",
})

MESSAGES.update({
    # -- handout: frame and sections ------------------------------------------------
    "handout.subtitle": "网络 {spec}",
    "handout.notation_title": "记号",
    "handout.symbol": "符号",
    "handout.meaning": "含义",
    "handout.n_weight": "从第 l-1 层神经元 k 到第 l 层神经元 j 的权重（j 为去向，k 为来源）",
    "handout.n_matrix": "第 l 层的全部权重：第 j 行是进入神经元 j 的权重，所以 W⁽ˡ⁾ 是 nₗ × nₗ₋₁（与 torch.nn.Linear 相同）",
    "handout.n_z": "第 l 层神经元 j 的带权输入（预激活），对一个样本",
    "handout.n_a": "它的激活值 f(z⁽ˡ⁾ⱼ)；输入为 a⁽⁰⁾ = x，输出为 a⁽ᴸ⁾ = ŷ",
    "handout.n_superscript": "层的编号，不是指数：a⁽²⁾ 是第 2 层，(a)² 才是平方",
    "handout.n_delta": "神经元 j 的误差项：一个样本的损失随它的带权输入如何变化",
    "handout.n_loss": "ℓ 是一个样本的损失；J 是整个批量的损失",
    "handout.n_batch": "一个批量每行一个样本：X 是 m × {n0}，Y 是 m × n_L",
    "handout.layout": (
        "布局：在上面的公式中，一个样本的向量是列向量；一个批量是每行一个样本的矩阵，所以 Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾W⁽ˡ⁾ᵀ + 1ₘb⁽ˡ⁾ᵀ，"
        "A⁽ˡ⁾ = f(Z⁽ˡ⁾)。梯度的形状与求导所对的量相同（分母布局）：∂J/∂W⁽ˡ⁾ 的形状与 W⁽ˡ⁾ 相同。数学中下标从 1 开始，"
        "代码中从 0 开始。"),
    "handout.this_network": "（本网络）",
    "handout.spec": "网络描述",
    "handout.name": "名称",
    "handout.layer": "第 {l} 层",
    "handout.layer_row": "{token}：{shape_in} → {shape_out}；{params}",
    "handout.no_params": "没有参数",
    "handout.loss": "损失",
    "handout.batch": "批量",
    "handout.example_m": "算例的 m = {m}",
    "handout.parameters": "参数",
    "handout.diagram_title": "网络",
    "handout.input": "输入",
    "handout.diagram_caption": "每个箭头带一个权重；标出的是进入每层第一个神经元的权重 w⁽ˡ⁾ⱼₖ，从神经元 k（左）到神经元 j（右）。",
    "handout.diagram_bias": "输入层之后的每个神经元还加上它的偏置 b⁽ˡ⁾ⱼ（图中未画出）。",
    "handout.diagram_blocks": "每个方块是一层，旁边是一个样本经过它之后的形状。",
    "handout.forward_title": "前向传播",
    "handout.forward_intro": "逐个样本，以分步计算的中间值写出：每个值由它之前的值算出。批量的每一行都经过同样的定义。",
    "handout.forward_general": "逐个样本；各层太宽，无法逐个神经元写出，所以每个定义都对所在层的神经元 j 写出。",
    "handout.no_graph": "这个网络有 {n} 个参数：太多，无法逐个写出它的量。每层按网络描述由上一层的输出算出自己的输出。",
    "handout.chain_title": "链式法则，一次一个参数",
    "handout.chain_intro": ("每一步都是一个局部导数（上面某个定义的导数）乘以从损失传来的上游梯度。误差项 δ = ∂ℓ/∂z 先算，"
                            "每个神经元只算一次，从输出层往回算，并被每个参数重复使用。"),
    "handout.gates": "门：加法把上游梯度原样传给它的每个输入，乘法把它乘以另一个输入后传给每个输入，max（ReLU、最大池化）把它路由给胜出的输入。",
    "handout.fan_out": "一个值影响多个量时，各项贡献相加：代码中用 +=，绝不能用 =。",
    "handout.chain_general": "这个网络有 {n} 个参数，每个参数的链式法则都一样：下一节对一般的第 l 层逐个下标推导一次，再把结果读成矩阵乘积。",
    "handout.parameters_title": "参数",
    "handout.one_parameter": "完整地跟踪一个参数 {name}：",
    "handout.every_parameter": "每个梯度都是上游误差项乘以局部导数（误差项来自上面的反向传播）：",
    "handout.representatives": "这个网络有 {n} 个参数；每个参数数组的第一个元素代表其余元素，写成上游误差项乘以局部导数：",
    "handout.bp_title": "从标量到下标再到矩阵：批量上的 BP1-BP4",
    "handout.box_title": "激活函数的导数",
    "handout.box_intro": "f′ 在 z 处取值，但能用存储的输出 a = f(z) 写出时就这样计算：使用前向传播保留下来的激活值。",
    "handout.pairs_intro": "输出层和损失函数一起给出输出误差项 δ⁽ᴸ⁾ⱼ = ∂ℓ/∂z⁽ᴸ⁾ⱼ（取自规则表）：",
    "handout.pair": "{act} + {loss}",
    "handout.jacobian_intro": "softmax 把它的输出耦合在一起：它的雅可比矩阵有对角和非对角两种形式，与交叉熵配合时 ŷ 相互抵消，只剩 ŷ - y。",
    "handout.saturation_title": "饱和与梯度消失",
    "handout.saturated_here": "在算例中 {neuron} = {z}：此处 {act}′(z) = {slope}，所以误差项 {delta} = {error} 几乎消失，进入该神经元的权重的梯度也是如此。",
    "handout.saturated_output": ("在算例中 {neuron} = {z}：此处 {act}′(z) = {slope}，但输出误差项是 {delta} = {error}：{act} 与 "
                                 "{loss} 配对，损失函数在输出层抵消了 {act}′（见方框中的输出配对），输出层继续学习。饱和的隐藏神经元没有这种帮助。"),
    "handout.worked_title": "算例",
    "handout.no_numbers": "这个网络太大，无法给出精确的算例，而且它不是全连接网络（全连接网络的矩阵形式在任意宽度下都能给出数值）。",
    "handout.worked_float": "各层很宽，所以数值由上面 BP1-BP4 的矩阵形式以 float64 对全部 m = {m} 个样本算出；表中列出每层的前 {n} 个神经元。",
    "handout.first_entries": "每个参数数组的前 {k} 个元素：",
    "handout.float64": "数值为 float64，显示时四舍五入。",
    "handout.reverse_title": "为什么用反向模式",
    "handout.code_title": "代码及其检验",
    "handout.code_intro": "生成的 NumPy 模块：value_and_grad 对批量计算 J 和每个梯度（X 的第 r 行是第 r 个样本；代码中的下标从 0 开始）。",
    "handout.code_how": "运行 chainrule codegen {spec} -o model.py 得到对应的 NumPy 模块。",
    "handout.check_advice": (
        "检验梯度：把反向传播梯度的每个元素与中心差分 (J(θ + h) - J(θ - h)) / 2h 比较，float64 中取 h ≈ 1e-5；其误差按 h² "
        "缩小（单侧差分只按 h 缩小）。相对差大于约 1e-6 说明有错：漏了转置、漏了 1/m、偏置梯度没有对批量求和，或该用 += 的地方用了 =。"),
    "handout.exercises_title": "练习",
    "handout.exercises_intro": "数值来自这个网络和由随机种子抽取的样本；每个答案都由给出的数值算出，并与整个网络的计算结果核对过。",
    "handout.exercises_dense_only": "关于 BP1-BP4 的练习针对全连接网络；下面的练习适用于任何网络，使用算例。",
    # -- exercises ----------------------------------------------------------------
    "ex.title": "练习 {n}：{title}",
    "ex.solution": "解答：",
    "ex.forward_title": "前向传播",
    "ex.forward_q": "一个样本的输入为 {inputs}{rest}；进入第 1 层神经元 {j} 的权重{bias}为 {weights}。计算 {z} 和 {a}（{act}）。",
    "ex.forward_softmax_q": ("一个样本的输入为 {inputs}{rest}；进入第 1 层神经元 {j} 的权重{bias}为 {weights}。计算 {z}。第 1 层的其他"
                             "带权输入为 {others}；计算 softmax 输出 {a}。"),
    "ex.rest_zero": "，其余输入均为 0",
    "ex.and_bias": "和偏置",
    "ex.bp1_title": "输出误差项（BP1）",
    "ex.bp1_q": "对一个样本，{givens}。计算输出误差项 {d}（{act} 输出，{loss} 损失）{note}。",
    "ex.one_hot": "；目标值是 one-hot",
    "ex.bp2_title": "把误差项往回传（BP2）",
    "ex.bp2_q": "在第 {l} 层（{act}）中，神经元 1 有 {own}。第 {next} 层的误差项为 {deltas}，从该神经元出发的权重{weights}{rest}。用 BP2 计算 {d}。",
    "ex.rest_sum": "；其余 {n} 个乘积 δ·w 之和为 S = {S}",
    "ex.batch_title": "一个批量上的权重梯度（BP4）",
    "ex.batch_title_bias": "一个批量上的权重梯度和偏置梯度（BP4，BP3）",
    "ex.batch_q": "一个有 m = {m} 个样本的批量（上标 [r] 是行号）给出 {givens}{params}。计算 {asked}（{how}{l2}）。",
    "ex.batch_mean": "J 是批量上的平均",
    "ex.batch_sum": "J 是批量上的总和",
    "ex.l2": "；J 含惩罚项 (λ/2)Σw²，λ = {lam}",
    "ex.shapes_title": "形状",
    "ex.shapes_q": "取一个有 m = {m} 个样本的批量。写出 {asked} 的形状。哪个乘积是 {W}：{right} 还是 {wrong}？",
    "ex.quantity": "量",
    "ex.shape": "形状",
    "ex.shapes_differ": "只有 {right} 的形状与 {W} 相同；{wrong} 是它的转置，形状为 {shape}：形状就能判断。",
    "ex.shapes_square": ("这里两者都是 {n} × {n}，形状无法区分：{wrong} 是 {right} 的转置，会把 w_kj 的梯度放到 w_jk 的位置。"
                         "先用误差项对批量求和的乘积 {right} 才是梯度。"),
    "ex.shapes_scalar": "这里两者都是 1 × 1 且相等：两边各只有一个神经元时顺序无关紧要。层更宽时，只有 {right} 的形状与权重相同。",
    "ex.shapes_bias": "{db} 把误差项对 m = {m} 行求和：每个神经元一个数。",
    "ex.changes_title": "如果……会怎样",
    "ex.changes_a_q": "(a) J 改为批量上的{other}而不是{now}：在 m = {m} 个样本的批量上 {grad} = {value}。那时它是多少？误差项 δ 会变吗？",
    "ex.changes_a_note": "取{other}时",
    "ex.changes_a": "(a) ∂J/∂W 和 ∂J/∂b 上的因子从 {old} 变为 {new}，所以梯度乘以 {factor}。误差项 δ 是逐个样本的，不会变：这个因子只在梯度上。",
    "ex.changes_a_l2": "(a) ∂J/∂W 和 ∂J/∂b 中数据部分的因子从 {old} 变为 {new}（惩罚项部分不变）。误差项 δ 是逐个样本的，不会变。",
    "ex.changes_b_q": "{mark} {z}（{act}，第 {l} 层）：该神经元的误差项乘以什么因子？进入它的权重的梯度会怎样？",
    "ex.at": "在 z = {z} 处",
    "ex.with_a": "a = {a}",
    "ex.changes_b": "{mark} 该神经元的误差项以及进入它的每个权重的梯度都乘以 {factor}：{verdict}。",
    "ex.off": "对这个样本，这条路径被关闭",
    "ex.vanishes": "梯度几乎消失（饱和）",
    "ex.shrinks": "误差项缩小",
    "ex.passes": "误差项原样通过",
    "ex.grows": "误差项增大",
    "ex.check_title": "用数值方法检验梯度",
    "ex.check_q": ("用算例的参数和 h = {h}，对 θ = {theta}，损失为 J(θ + h) = {plus}，J(θ - h) = {minus}（{digits} 位有效数字）。"
                   "用中心差分估计 {grad}，并与反向传播的值比较。"),
    "ex.backprop": "反向传播",
    "ex.check_a": "两者相差 {diff}，相对差为 {rel}：中心差分的误差按 h² 缩小。",
    "ex.check_a_digits": "两者相差 {diff}，相对差为 {rel}：这里 J 较大，它打印出的 {digits} 位数字只能把估计分辨到约 {res}。",
})

MESSAGES.update({
    "handout.scaled": "进入第 l 层的权重乘以 3/√nₗ₋₁，使宽层中的 z 保持在 1 附近",
})

MESSAGES.update({
    # -- exercises on the layer kinds beyond dense (derive/views/kind_exercises.py) ------------
    "kx.conv_shape_title": "卷积的形状",
    "kx.conv_shape_q": "第 {l} 层是 conv({c}, {k})，步幅 {s}，填充 {p}，输入形状为 {shape}。它的输出形状是什么？它有多少个参数？",
    "kx.conv_shape_a": "同一公式给出宽度 {w}，所以输出为 {shape}：每个卷积核一张特征图。该层有 {c} 个 {cin} × {k} × {k} 的卷积核和 {bias} 个偏置：共 {n} 个参数，与图像大小无关。",
    "kx.conv_grad_title": "手算卷积核梯度的一个元素",
    "kx.conv_grad_q": ("在算例中，第 {l} 层以步幅 {s}、填充 {p} 滑动一个 {k} × {k} 的卷积核。表中给出样本 1 在每个输出位置上输出通道 1 "
                       "的误差项 δ，以及权重 {w} 在该位置所乘的输入值。计算样本 1 的损失对 {w} 的梯度。"),
    "kx.conv_grad_a": "权重 {w} 被每个输出位置共享，所以它的梯度是对各位置求和：该处的误差项乘以它看到的输入（输入与误差项的互相关）：",
    "kx.conv_grad_batch": "在 {m} 个样本的批量上，对每个样本做同样的求和，再像 J 那样取平均，得到 {grad} = {value}，即算例的梯度。",
    "kx.position": "位置",
    "kx.error": "误差项",
    "kx.input": "看到的输入",
    "kx.bn_title": "三个样本的批量上的批量归一化反向传播",
    "kx.bn_q": ("一个批量归一化单元看到批量 x = ({x})，收到上游梯度 dy = ({dy})。它的缩放为 γ = {gamma}，ε = {eps}。用化简后的形式 "
                "dx = (γ / (m σ)) (m dy - Σ dy - x̂ Σ(dy x̂)) 计算 dx，并验证各 dx 之和为 0。"),
    "kx.bn_a1": "批量统计量：μ = {mu}，σ² = {var}，所以 σ = √(σ² + ε) = {sigma}。",
    "kx.bn_a2": "公式需要的两个和：Σ dy = {s1}，Σ dy x̂ = {s2}。于是得到每个 dx（每个值都与对定义做 sympy.diff 的结果核对过）：",
    "kx.bn_a3": "各 dx 之和为 {total}：把每个 x 平移同样的量不改变 x̂，也就不改变损失，所以梯度在 (1, 1, 1) 方向上没有分量。",
    "kx.dropout_title": "dropout 为什么乘以 1/(1 - p)",
    "kx.dropout_q": "第 {l} 层以概率 1 - p 保留每个值、以概率 p = {p} 丢弃它，并把保留的值乘以 1/(1 - p)。输入为 x 时期望输出是多少？经过保留的和被丢弃的单元，传回的梯度各是多少？",
    "kx.dropout_a": "所以期望输出就是输入，推断时可以把这一层当作恒等映射。反向时掩码是常数：保留的单元把梯度乘以 {keep} 传回，被丢弃的单元传回 0。",
})

MESSAGES.update({
    # -- how far back the error reaches (derive/views/handout/bptt.py) ---------------------------
    "handout.bptt_title": "误差项能往回传多远：tanh RNN 与 LSTM 的对比",
    "handout.bptt_intro": ("同一个长度为 {T} 的输入序列分别通过一个 tanh RNN 和一个 LSTM，两者都有 {H} 个隐藏单元，权重像 torch 那样抽取"
                           "（在 ±1/√H 内均匀分布），LSTM 的遗忘门偏置设为 {bias}，使遗忘门一开始是打开的。损失读取最后一个隐藏状态。"
                           "表中给出传到每个隐藏状态的误差项大小 |∂J/∂hₜ|，取自计算图自身的反向传播。在 RNN 中每往回一步，误差项乘以 "
                           "Wₕᵀ diag(f′(zₜ))；在 LSTM 中细胞状态经过遗忘门把它传下去，乘以 f ≈ 0.95，中间没有权重矩阵。"),
    "handout.bptt_step": "时间步 t",
    "handout.bptt_outro": ("从第 {T} 步到第 1 步，RNN 的误差项降到原来的 {rnn}，每步约乘以 {rnn_step}：最早的输入几乎不影响它的权重"
                           "（梯度消失）。LSTM 保留了 {lstm}，每步约乘以 {lstm_step}。"),
})

MESSAGES.update({
    # -- pictures of learning and the optimizer section (derive/views/handout/learning.py) ------
    "plot.step": "步",
    "plot.descent": "梯度下降",
    "plot.curve": "J 作为 {name} 的函数",
    "plot.path": "下降路径",
    "plot.path_caption": "损失作为这一个参数的函数，以及从 {start} 出发的梯度下降各步（{steps} 步）：每一步沿下坡方向移动学习率乘以斜率，所以斜率变平时步子变小。",
    "plot.data": "样本",
    "plot.before": "训练前",
    "plot.after": "{steps} 步之后",
    "plot.fit_caption": "网络对每个 x 的输出：在样本上以学习率 {lr} 做 {steps} 步梯度下降之前和之后（训练后 J = {loss}）。",
    "handout.optimizer_title": "优化器：{name}",
    "handout.optimizer_large": "优化器一节沿标量图跟踪算例；这个网络太大。生成模块的 fit() 在任意规模下都能运行每种优化器。",
})

MESSAGES.update({
    # -- the presets' descriptions (derive/presets.py) ----------------------------------
    "preset.single-weight": "一个权重，没有偏置，没有激活函数：yhat = x*w，J = (yhat - y)^2。梯度下降让 w 走向 y/x = 1/3。",
    "preset.relu-square": "一个 1-2-1 的 ReLU 网络，用一半的平方误差从四个点拟合 y = x^2。ReLU 的导数打开或关闭各条路径。",
    "preset.mlp-2-3-1": "一个 [2, 3, 1] 的 sigmoid 网络，批量有 4 个样本（XOR）：这一课讲每个梯度的形状。",
    "preset.softmax-2hidden": "两个 ReLU 隐藏层和一个 softmax 输出层，配交叉熵：分类的情形，输出误差项是 yhat - y。",
    "preset.logistic": "逻辑回归，即没有隐藏层的网络：输出误差项 yhat - y 直接可得。",
    "preset.small-cnn": "两张 4x4 图像上的小型 CNN：两个 3x3 卷积核、ReLU、2x2 最大池化，然后是 softmax 分类器。卷积核的梯度是输入与误差项的互相关，池化把误差项路由到每个窗口的最大值处。",
    "preset.bn-mlp": "ReLU 层与 softmax 分类器之间的批量归一化，批量有四个样本：每个单元在批量上归一化，所以各样本的梯度通过均值和方差耦合在一起。",
    "preset.residual-mlp": "两个输入上的残差块 x + F(x)，然后是线性输出层：梯度沿跳跃连接和经过残差块两条路到达 x，两者相加。",
    "preset.tiny-rnn": "一个有两个隐藏单元、跨三个时间步的 tanh RNN：共享权重的梯度是对时间的求和，误差项经过一串雅可比矩阵的乘积往回传（随时间反向传播）。",
    "sep.end": "。",
    "sep.clause": "；",
})

MESSAGES.update({
    # -- chainrule check: grading a student's gradient (derive/answer) ----------------------------
    "check.right": "{question}：正确",
    "check.wrong": "{question}：错误",
    "check.your_answer": "你的答案",
    "check.expected": "正确答案",
    "check.where": "其中",
    "check.checked_grad": "在 m = {ms} 个样本的随机批量上与推导出的 BP1-BP4 比较（每种批量大小随机抽取参数和数据 {draws} 次）。",
    "check.checked_param": "在 {points} 个随机点上与推导出的梯度比较（输入、目标值和参数随机抽取，每个量都由它的定义算出）。",
    "check.proved": "代入各定义后，SymPy 也把两者之差化简为 0。",
    "check.bias_shape": "注意：{param} 的形状是 {shape}；你的答案形状是 {yours}，数值相同。",
    "check.not_finite": "你的答案并非处处是有限数（对负数取了对数，或除以零？）。",
    "check.transposed": ("结果被转置了：{question} 的形状与 {param} 相同，为 {shape}（该层每个神经元一行，每个输入一列），所以乘积的"
                         "因子要反过来：{question} = {expected}。"),
    "check.transposed_bias": "结果被转置了：{question} 的形状与 {param} 相同，为 {shape}：{question} = {expected}。",
    "check.missing_m": "漏了批量平均的 1/m：J 是 m 个样本损失的平均，而 dZ 是每个样本自己的误差项，所以 1/m 放在 dW 和 db 上。",
    "check.extra_m": "多了一个 1/m：dZ 是每个样本自己的误差项（不含 1/m），批量平均只在 dW 和 db 上放一个 1/m。",
    "check.sum_no_m": "多了一个 1/m：这个 J 是各样本损失之和（sum），不出现 1/m。",
    "check.extra_m_factor": "多了一个因子 m：这个 J 是各样本损失之和，没有 1/m。",
    "check.sign": "符号反了：梯度指向上坡方向，梯度下降减去它（w ← w - lr·dJ/dw）。",
    "check.two_more": "多了一个因子 2：{note}",
    "check.two_less": "漏了一个因子 2：{note}",
    "check.two_half_se": "这个网络的损失是 half_se，½(ŷ - y)²，其中的 ½ 抵消了平方求导得到的 2：在乘以 f′ 之前，输出误差项是 ŷ - y。",
    "check.two_se": "这个网络的损失是 {loss}，(ŷ - y)² 前面没有 ½，所以平方求导带来一个 2：在乘以 f′ 之前是 2(ŷ - y)（half_se 会把它抵消）。",
    "check.two_other": "{loss} 的梯度中不应有因子 2。",
    "check.n_missing": "漏了 mse 的 1/{n}：mse 还对 {n} 个输出取平均，所以在乘以 f′ 之前，输出误差项是 2(ŷ - y)/{n}。",
    "check.n_extra": "多了一个 1/{n}：mse 的 1/{n}（对 {n} 个输出取平均）只出现一次。",
    "check.factor": "你的答案是正确答案乘以常数因子 {factor}。",
    "check.no_fprime": "漏了第 {l} 层（{act}）激活函数的导数：第 {l} 层的误差项带有因子 f′(z) = {fprime}。",
    "check.fprime_at_a": "第 {l} 层（{act}）的导数取在了激活值 a 处（激活之后）；f′ 应取在带权输入 z 处：f′(z) = {fprime}。",
    "check.fprime_form_at_z": "第 {l} 层（{act}）的导数在本该用激活值 a 的公式里用了 z：写成了 {wrong}，应为 {fprime}。",
    "check.fprime_other_act": "第 {l} 层用的是 {act}，但用了 {other}′ 作为导数：f′(z) = {fprime}。",
    "check.fprime_other_layer": "第 {l} 层的导数取在了 Z{k}（第 {k} 层的带权输入）处；它应取在第 {l} 层自己的 Z{l} 处：{fprime}。",
    "check.extra_fprime": "输出误差项多了一个 f′：{act} 配 {loss} 时，f′ 与损失函数相互抵消，输出误差项是 {delta}。",
    "check.input": "{used} 出现在本该是 {right}（第 {l} 层的输入）的位置：权重的梯度是误差项乘以该权重收到的量。",
    "check.z_for_a": "{used} 出现在本该是 {right} 的位置：第 {l} 层收到的是激活值 {right}，不是带权输入 {used}。",
    "check.delta": "{used} 出现在本该是误差项 {right} 的位置。",
    "check.no_sum": "偏置梯度没有对批量求和：每个样本都加上它的误差项，所以 {param} 的梯度是 {expected}，形状为 ({n})，与 {param} 相同，不是每个样本一行。",
    "check.no_l2": "漏了 L2 项 {lam} * W{l}（惩罚项 λ/2·ΣW² 给 dJ/dW 加上 λ·W）。",
    "check.shape": "你的答案形状是 {yours}；{question} 的形状与 {param} 相同，为 {shape}。",
    "check.not_equal": "不等于 {question}，常见错误都解释不了这个差别（在 m = {m} 时，元素 {entry}：你的为 {yours}，应为 {value}）。",
    "check.not_equal_shape": "不等于 {question}，常见错误都解释不了这个差别。",
    "check.not_equal_scalar": "不等于 {question}，常见错误都解释不了这个差别（在一个随机点上：你的为 {yours}，应为 {value}）。",
    "check.mismatch": "{part} 中形状不匹配：{left} 是 {lshape}，{right} 是 {rshape}。",
    "check.mismatch_one": "{part} 中形状不匹配：{shape} 不能做 {op}。",
    "check.mismatch_fits": "{fix} 的形状是匹配的。",
    "check.mismatch_fixed": "{fix} 的形状是匹配的，这样改后你的答案就对了：{answer}。",
    "check.param_other": "这是 {other} 的梯度，不是 {param} 的：dJ/d{other} = {expected_other}。",
    "check.param_swapped": "这是 {other} 的梯度：下标颠倒了。w{l}_j_k 连接第 {prev} 层的神经元 k 与第 {l} 层的神经元 j，所以 dJ/d{param} = {expected}。",
    "check.scalar_extra": "你的答案多了一个因子 {factor}。",
    "check.scalar_missing": "漏了因子 {factor}。",
})

MESSAGES.update({
    # -- the explore page (derive/views/explore.py) -------------------------------------------
    "explore.step": "走一步",
    "explore.reset": "重置",
    "explore.steps_done": "已走步数",
    "explore.loss": "损失 J",
    "explore.scalar": "标量视图",
    "explore.matrix": "矩阵视图（BP1-BP4）",
    "explore.view": "视图",
    "explore.choose": "在图中点击一个权重（箭头）或偏置（神经元旁的小方块），或从列表中选一个参数，查看它的推导。",
    "explore.choose_blocks": "从图下方的按钮或列表中选一个参数，查看它的推导。",
    "explore.pick": "参数",
    "explore.parameters": "参数",
    "explore.drawing": "网络：点击一个权重或偏置",
    "explore.derivation_of": "推导",
    "explore.quantity": "量",
    "explore.value": "当前值",
    "explore.intro_dense": ("每个箭头是一个权重，每个小方块是一个偏置。选一个，看反向传播如何求出它的梯度：从它到损失的各条路径、"
                            "每条边上的局部导数，以及反向传播只算一次并重复使用的误差项 δ。走一步梯度下降，看每个数如何变化。"),
    "explore.intro_blocks": "每个方块是一层。从图下方的列表中选一个参数，看反向传播如何求出它的梯度；矩阵视图给出每层的方程。走一步梯度下降，看每个数如何变化。",
    "explore.example": ("这些数来自算例，{m} 个样本：{described} 每一步把每个参数 θ 替换为 θ - {lr}·∂J/∂θ；J 和各梯度在本页中"
                        "由推导自身的定义算出。"),
    "explore.after_step": "走一步之后，θ - {lr}·∂J/∂θ",
    "explore.too_many_params": "这个网络有 {n} 个参数；本页最多为 {limit} 个参数给出推导，所以只显示网络图和矩阵视图。",
    "explore.too_large": "这个网络的标量图约有 {n} 项（最多计算 {limit} 项），所以本页只显示网络图和矩阵视图，没有数值。",
})

MESSAGES.update({
    # -- exams (derive/exam.py, derive/views/exam.py) --------------------------------------------
    "ex.sgd_title": "梯度下降的一步",
    "ex.sgd_q": "在一个批量上（{how}），{theta}，{grad}。以学习率 η = {lr} 做一步梯度下降：这一步之后 {symbol} 是多少？",
    "ex.sgd_note": "η = {lr}",
    "exam.title": "考试：{name}",
    "exam.version": "{title}，第 {n} 卷",
    "exam.name_line": "姓名：______________________________",
    "exam.network": "网络为 {spec}。每道题都给出了它需要的全部数值。",
    "exam.instructions": "每个答案给出四位有效数字：与答案相差不超过 {tol} 即为正确。",
    "exam.question": "第 {n} 题：{title}",
    "exam.short": "Q{n}{part} {title}",
    "exam.moodle_name": "Q{n}{part} {title}，第 {v} 卷",
    "exam.enter": "填写 {what}。",
    "exam.keys_title": "答案：{title}",
    "exam.key_title": "{title}，第 {n} 卷：答案",
    "exam.key_question": "题",
    "exam.key_asked": "所求",
    "exam.key_answer": "答案",
    "exam.key_tolerance": "允许误差 ±",
})

MESSAGES.update({
    # -- the handout's drawings: feature maps, skips, the unrolled RNN --------------------------
    "diagram.conv": "卷积 {k}×{k}",
    "diagram.stride": "，步幅 {s}",
    "diagram.pad": "，填充 {p}",
    "diagram.maxpool": "最大池化 {k}×{k}",
    "diagram.avgpool": "平均池化 {k}×{k}",
    "diagram.maps": "每一摞是一个样本经过某层之后的特征图，每个通道一张，高和宽越大图越大；下方标注为 通道 × 高 × 宽。",
    "diagram.maps_more": "每摞最多画出 {shown} 张特征图；省略号代表其余的（共 {c} 张）。",
    "diagram.skip": "残差块上方的弧线是它的跳跃连接：残差块的输入加到其最后一层的输出上，所以梯度经两条路到达输入，两者相加。",
    "diagram.skip_add": "+ 跳跃连接",
    "diagram.skip_add_act": "+ 跳跃连接，再 {act}",
    "diagram.window": "一摞上的彩色方块是下一层的一个窗口（卷积核或池化窗口）；连线指向它在下一摞中生成的那一个元素。",
    "unroll.start": "h₀ = 0",
    "unroll.start_lstm": "h₀ = c₀ = 0",
    "unroll.step": "t = {t}",
    "unroll.output": "输出",
    "unroll.gap": "第 {first} 到第 {last} 步没有画出。",
    "unroll.lstm": "最上面一行是 LSTM 的细胞状态 cₜ：误差项从 cₜ 传到 cₜ₋₁ 只经过遗忘门，中间没有权重矩阵。",
    "unroll.gru": "在 GRU 的每一步中，重置门 rₜ 先缩放 hₜ₋₁ 再交给候选值，更新门 zₜ 把 hₜ₋₁ 与候选值混合。",
    "handout.exercises_bptt": "关于随时间反向传播的两道题使用一个自己的 tanh RNN，只有一个隐藏单元，小到可以手算。",
    "rx.step": "t",
    "rx.h": "hₜ",
    "rx.bptt_title": "手算随时间反向传播",
    "rx.bptt_q": ("一个只有一个隐藏单元的 tanh RNN 读取序列 x₁, x₂, x₃ = {x}，从 h₀ = 0 开始：zₜ = wₓ xₜ + wₕ hₜ₋₁，hₜ = tanh(zₜ)。"
                  "输出为 ŷ = v h₃，损失为 ℓ = ½ (ŷ - y)²。取 wₓ = {wx}，wₕ = {wh}，v = {v}，y = {y}。前向传播给出（保留四位小数）："),
    "rx.bptt_q2": "以及 ŷ = {yhat}。(a) 从后往前，计算 ∂ℓ/∂h₃、∂ℓ/∂h₂ 和 ∂ℓ/∂h₁，途中算出 δₜ = ∂ℓ/∂zₜ。(b) {wh} 在每一步都被使用：计算 ∂ℓ/∂wₕ。",
    "rx.bptt_a1": "(a) 误差项从输出进入，一次一步往回走；每个 hₜ₋₁ 只影响 zₜ，所以它的误差项是 δₜ 乘以 wₕ，而 tanh′ = 1 - h² 把 ∂ℓ/∂hₜ 变成 δₜ：",
    "rx.bptt_a2": "(b) {wh} 在每个 zₜ 中乘以 hₜ₋₁，所以它的梯度是对各时间步求 δₜ 乘以 hₜ₋₁ 之和（第 1 步的项为零，因为 h₀ = 0）：",
    "rx.bptt_a3": "在代码中：从 t = T 到 1 反向扫一遍，每一步累加 dwₕ += δₜ hₜ₋₁，绝不覆盖。",
    "rx.vanish_title": "反复出现的因子：梯度消失",
    "rx.vanish_q": ("在上一题中，往回一步把误差项乘以 {f} = ∂hₜ/∂hₜ₋₁：∂ℓ/∂hₜ₋₁ = fₜ ∂ℓ/∂hₜ。用 wₕ 和 hₜ 写出 fₜ，并计算 f₃ 和 f₂。"
                    "h₁ 的误差项比 h₃ 的小多少倍？由于 |tanh′| ≤ 1，|wₕ| 对传到输出之前 {far} 步的误差项给出什么上界？"),
    "rx.vanish_a1": "所以 {first} = f₂ f₃ {last}：h₁ 的误差项是 h₃ 的 {ratio} 倍（与上一题核对）。",
    "rx.vanish_a2": ("每个因子都是 wₕ tanh′(zₜ)，且 |tanh′| ≤ 1，所以 |fₜ| ≤ |wₕ| = {wh}：往回 {far} 步，误差项至多为原来的 "
                     "{wh}^{far} = {bound}。有多个隐藏单元时 wₕ 变成矩阵 Wₕᵀ，起决定作用的是同样的 Wₕᵀ diag(f′(zₜ)) 的乘积："
                     "因子小时梯度消失，因子大时梯度爆炸。LSTM 的细胞状态避开了权重矩阵的连乘。"),
    "bptt.factor_title": "样本 1 上的随时间反向传播：反复出现的因子",
    "bptt.factor_intro": ("往回一步总是把隐藏状态的误差项乘以同一类因子 Jₜ = ∂hₜ/∂hₜ₋₁ = Wₕᵀ diag(f′(zₜ))：对 s < T = {T}，"
                          "∂ℓ/∂hₛ = Jₛ₊₁ ∂ℓ/∂hₛ₊₁，最后一个状态的误差项来自输出。每个元素 Jₜ[q, j] 是计算图中两个局部导数的乘积，"
                          "即 ∂zₜⱼ/∂hₜ₋₁,q（Wₕ 的一个元素）与 zₜⱼ 处的 tanh′；每个乘积都与上面的反向传播核对过。"),
    "bptt.factor_entries": "表中给出每一步的这些因子，以及它们往回传的误差项。",
    "bptt.factor_wide": "有 {H} 个隐藏单元时，Jₜ 和误差项的元素太多，无法列出；下面给出每一步误差项的大小。",
    "bptt.factor_slopes": "有 {H} 个隐藏单元时，Jₜ 的元素太多，无法列出；Wₕ 每一步都相同，所以表中给出变化的部分，即对角线 f′(zₜ)，以及误差项。",
    "bptt.factor_outro": "从第 {T} 步往回 {steps} 步到第 1 步，误差项的大小变为 {ratio} 倍，每步约 {per_step} 倍：这就是各 Jₜ 的乘积。",
    "decay.title": "损失中的 L2 与解耦的权重衰减（AdamW）",
    "decay.intro": ("用 l2(λ) 时，损失加上对各权重求和的 (λ/2) Σ w²，所以每个权重的梯度多出 λ w。解耦的权重衰减（AdamW）不动损失，"
                    "而是在更新中缩小权重。这里 λ = {lam}（{source}），只作用于权重，不作用于偏置（也不作用于 γ、β）。"),
    "decay.given": "网络描述中的 l2",
    "decay.default": "AdamW 的默认值；网络描述中没有 l2",
    "decay.sgd": ("在普通 SGD 下两者是同一个更新。各自的第一步由 SymPy 组合规则得到（g 是不含惩罚项的 ∂J/∂θ；torch 把解耦衰减写成带学习率的 "
                  "θ(1 - ηλ)，所以 λ 不需要换算），展开后是同一个表达式："),
    "decay.with_l2": "损失中的 L2",
    "decay.decoupled": "解耦",
    "decay.adam": "在 Adam 下两者不同。各自的第一步（m = v = 0，t = 1）：",
    "decay.why": ("Adam 把衰减项 λθ 连同梯度一起除以 √v̂ + ε：梯度大的权重几乎不衰减，梯度小的权重衰减得很厉害。AdamW 每一步把每个权重"
                  "都缩小同一个因子 1 - ηλ，而与它的梯度无关。"),
    "decay.table": "算例中权重 {p} 在 {steps} 步中的变化，学习率 {lr}，四种方式：",
    "decay.sgd_l2": "SGD，L2",
    "decay.sgd_decoupled": "SGD，解耦",
    "decay.adam_l2": "Adam，L2",
    "decay.adamw": "AdamW",
    "decay.exactly": "完全",
    "decay.within": "相差不超过 {gap}，即所保留的 {digits} 位有效数字的舍入误差",
    "decay.outro": ("在 SGD 下，两列{how}一致，每个参数、每一步都是如此。在 Adam 下，{steps} 步之后参数最多相差 {adam_gap}（在 {worst}），"
                    "不含惩罚项的 J 在 L2 下为 {j_l2}，在 AdamW 下为 {j_w}。"),
})

MESSAGES.update({
    # -- issue 12 audit: the optimizer trace's hyperparameters and rows (derive/views/numbers.py),
    #    the target function in the handout's fit picture (derive/views/handout/learning.py) --
    "optimizer.settings": "运行时所用的值：学习率取给定值，其余取 torch.optim 的默认值。",
    "optimizer.hyperparameter": "超参数",
    "optimizer.rows": "第 t 行给出第 t + 1 步之前的参数和 J、该处的梯度 g，以及这一步之后的状态。",
    "plot.target": "y = {f}",
    "plot.target_caption": "这些样本取自 y = {f}（图中也画出）：好的拟合在样本之间也贴近它，而不只是穿过样本。",
})

MESSAGES.update({
    "handout.trace_stopped": ("从这个算例出发、以学习率 {lr} 做梯度下降，在第 {step} 步得到无法计算的损失（神经元饱和：对 0 取对数，"
                              "或溢出），所以省略梯度下降的过程。更小的学习率或更接近 0 的算例可以让神经元不进入饱和。"),
    # -- an exam's own wording where the sheet's refers to the handout's worked example ------
    "exam.check_q": ("取 h = {h}，对 θ = {theta}（其他参数保持不变），本版本网络的损失为 J(θ + h) = {plus}，"
                     "J(θ - h) = {minus}（{digits} 位有效数字）。用中心差分估计 {grad}。"),
    "exam.conv_grad_q": ("这个网络的第 {l} 层以步幅 {s}、填充 {p} 滑动一个 {k} × {k} 的卷积核。表中给出一个批量中样本 1 在每个输出位置上"
                         "输出通道 1 的误差项 δ，以及权重 {w} 在该位置所乘的输入值。计算样本 1 的损失对 {w} 的梯度。"),
    "exam.conv_grad_batch": "在 {m} 个样本的批量上，对每个样本做同样的求和，再像 J 那样取平均，得到 {grad} = {value}，即整个批量上的梯度。",
    # -- scalar view: long deltas, the l2 term λ w, numbers on a batch (derive/views/scalar.py) --
    "scalar.adjoint_too_long": ("{name} 是 {n} 项贡献之和（它影响的每个量各一项）：太多，无法逐项写出。指标层面的推导"
                                "（误差项视图）给出它的闭式形式，即对整组求和。"),
    "scalar.l2_term": "λ w 来自 l2 惩罚项，λ = {lam}",
    "scalar.on_batch": "在 m = {m} 的算例批量上",
    # -- the unrolled drawing with layers before the recurrent one (helper a11) ----------------
    "unroll.columns": "{cell} 层按它的 T = {T} 个时间步展开：每个时间步一列，输入 xₜ 在隐藏状态 hₜ 下方。",
    "unroll.columns_pre": ("第 {l} 层（{cell}）按它的 T = {T} 个时间步展开：每个时间步一列，它的输入 {a} 在隐藏状态 hₜ 下方。它前面的层（{layers}）"
                            "先作用于整个序列 x，画在左边；{a} 是它们输出的第 t 步。"),
    "unroll.shared": ("每一步使用相同的 Wₓ⁽{l}⁾ 和 Wₕ⁽{l}⁾（只标注一次），所以它们的梯度是对各时间步的求和；h₀ = 0，只有最后一个隐藏状态进入损失。"
                       "随时间反向传播沿箭头反向进行：hₜ 的误差项来自 hₜ₊₁，在 t = T 时来自输出。"),
    "handout.worked_trace": ("这个网络太大，无法展开成标量计算图，所以数值来自下面列出的生成代码（它的 trace：value_and_grad "
                             "自身的运算，保留每个数组），用 float64 计算，覆盖全部 m = {m} 个样本；表格显示每层的前 {n} 个单元，"
                             "时间步为 {steps}。"),
    "handout.scaled_recurrent": "循环层的权重和偏置按 1/√H 缩放（torch 的初始范围），每个全连接层的权重按 3/√(扇入) 缩放",
    "handout.reach_title": "这个网络中误差项能传回多远",
    "handout.reach_intro": ("‖Δₜ‖ 是第 {l} 层第 t 步预激活的误差项的大小：所有门、所有单元、所有样本，按单个样本计（不含 1/m）。"
                            "Wₓ 和偏置的梯度是 Δₜ 对各时间步的求和，所以误差项小的时间步对它们贡献很小。"),
    "handout.reach_outro": "从第 T = {T} 步回到第 1 步，误差项的大小变为原来的 {ratio} 倍，平均每步约 {per} 倍。",
    "handout.exercises_lstm": "关于细胞状态的那道题使用一个自己的 LSTM，只有一个隐藏单元，两个时间步。",
    "lx.title": "LSTM 的细胞状态",
    "lx.q": ("一个只有一个隐藏单元的 LSTM 读入 x₁, x₂ = {x}，从 h₀ = c₀ = 0 开始，门与 torch 相同：iₜ、fₜ 和 oₜ 是 "
             "wₓ xₜ + wₕ hₜ₋₁ 的 σ，gₜ 是它的 tanh（每个门有自己的权重）；cₜ = fₜ cₜ₋₁ + iₜ gₜ，hₜ = oₜ tanh(cₜ)。"
             "输出为 ŷ = v h₂，损失函数为 ℓ = ½ (ŷ - y)²，其中 v = {v}，y = {y}。前向传播给出（保留四位小数）："),
    "lx.q2": ("以及 ŷ = {yhat}。(a) 计算 ∂ℓ/∂h₂ 和 ∂ℓ/∂c₂。(b) c₁ 通过遗忘门进入 c₂，也进入 h₁，而第 2 步的四个门通过各自的 wₕ "
              "读取 h₁；第二条路径带回 ∂ℓ/∂h₁ = {dh1}。计算 ∂ℓ/∂c₁，以及其中沿细胞状态传回的部分。(c) 计算第 2 步遗忘门的误差项 "
              "{df} = ∂ℓ/∂{zf}，{zf} 是它的预激活。"),
    "lx.a1": "(a) h₂ = o₂ tanh(c₂)，所以 c₂ 的误差项是 h₂ 的误差项乘以 o₂ tanh′(c₂)：",
    "lx.a2": "(b) 两条路径相加。沿细胞状态退回一步只乘一个因子 ∂c₂/∂c₁ = f₂：中间没有权重矩阵，也没有激活函数的导数：",
    "lx.a3": ("∂ℓ/∂c₁ 中有 {cell} 沿细胞状态传回，{rest} 经过 h₁ 传回。经过很多步时，细胞状态这条路径每一步把误差项乘以 fₜ，"
              "所以接近 1 的遗忘门能把它传得很远：这就是 LSTM 能保持梯度的原因。"),
    "lx.a4": "(c) c₂ = f₂ c₁ + i₂ g₂ 且 f₂ = σ({zf})，所以遗忘门的误差项是 ∂ℓ/∂c₂ c₁ σ′，其中 σ′ = f₂(1 - f₂)：",
    "scalar.paths_in_time": "从 {name} 到 J 有 {n} 条穿过时间的依赖路径；写成乘积会很长，所以这里只列出路径，反向传播在 δ 中对每个神经元只求和一次：",
})
