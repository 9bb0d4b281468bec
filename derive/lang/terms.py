"""The technical terms each language's table uses, and only those.

Taken from the wording of the Chinese articles chainrule grew from (and of
the standard Chinese translations of Nielsen and CS231n).  Each entry is
(English term, Chinese term, variants the Chinese table must not use), so
that one idea keeps one name throughout a handout."""

TERMS = [
    ("forward pass", "前向传播", ("正向传播", "前馈传播")),
    ("backpropagation", "反向传播", ("逆向传播", "反传")),
    ("chain rule", "链式法则", ("链锁法则", "连锁法则")),
    ("gradient descent", "梯度下降", ("梯度下降法则",)),
    ("learning rate", "学习率", ("学习速率", "步长")),
    ("activation function", "激活函数", ("激励函数", "启动函数")),
    ("loss function", "损失函数", ("代价函数", "成本函数")),
    ("weight", "权重", ("权值",)),
    ("bias", "偏置", ("偏差项", "偏移量", "阈值")),
    ("hidden layer", "隐藏层", ("隐含层", "隐层")),
    ("output layer", "输出层", ()),
    ("error term δ", "误差项", ("误差信号", "灵敏度")),
    ("batch", "批量", ("批次",)),
    ("neuron", "神经元", ("神经单元",)),
    ("example", "样本", ()),
    ("gradient", "梯度", ()),
    ("pre-activation z", "带权输入", ("加权输入", "净输入")),
    ("convolution kernel", "卷积核", ("滤波器",)),
    ("pooling", "池化", ("汇聚",)),
    ("batch norm", "批量归一化", ("批归一化", "批标准化", "批量标准化")),
    ("hidden state", "隐藏状态", ("隐状态",)),
    ("vanishing gradient", "梯度消失", ()),
]
