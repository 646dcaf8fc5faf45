"""Course terms in English and the Traditional Chinese used in the NTU lectures (introduced in 00).

Notebooks write a key term as ``term("gradient descent")`` → gradient descent（梯度下降）on
first use and end with ``term_table([...])``.
"""

from __future__ import annotations

from collections.abc import Iterable

from IPython.display import Markdown

GLOSSARY: dict[str, str] = {
    # 00 — PyTorch basics
    "tensor": "張量",
    "autograd": "自動微分",
    "dataset": "資料集",
    "data loader": "資料載入器",
    "batch size": "批次大小",
    "shuffle": "洗牌",
    "optimizer": "優化器",
    "checkpoint": "檢查點",
    "broadcasting": "廣播",
    "device": "裝置",
    "dropout": "隨機失活",
    "batch normalization": "批次標準化",
    "computational graph": "計算圖",
    "parameter": "參數",
    "ensemble": "集成",
    "leaderboard": "排行榜",
    # L01 — introduction
    "machine learning": "機器學習",
    "deep learning": "深度學習",
    "function": "函式",
    "regression": "迴歸",
    "classification": "分類",
    "structured learning": "結構化學習",
    "model": "模型",
    "feature": "特徵",
    "label": "標籤",
    "weight": "權重",
    "bias": "偏差",
    "loss": "損失",
    "mean absolute error": "平均絕對誤差",
    "mean squared error": "均方誤差",
    "cross-entropy": "交叉熵",
    "error surface": "誤差曲面",
    "gradient": "梯度",
    "gradient descent": "梯度下降",
    "learning rate": "學習速率",
    "hyperparameter": "超參數",
    "local minimum": "局部最小值",
    "global minimum": "全域最小值",
    "saddle point": "鞍點",
    "model bias": "模型偏差",
    "piecewise linear curve": "分段線性曲線",
    "sigmoid": "S 型函數",
    "hard sigmoid": "硬 S 型函數",
    "ReLU": "線性整流函數",
    "activation function": "激活函數",
    "batch": "批次",
    "update": "更新",
    "epoch": "回合",
    "neuron": "神經元",
    "hidden layer": "隱藏層",
    "neural network": "類神經網路",
    "overfitting": "過擬合",
    "universality theorem": "萬能近似定理",
    "backpropagation": "反向傳播",
    "chain rule": "連鎖律",
    "forward pass": "前向傳播",
    "backward pass": "反向傳遞",
    "regularization": "正規化",
    "training data": "訓練資料",
    "validation set": "驗證集",
    "testing data": "測試資料",
    "early stopping": "提前停止",
    "feature selection": "特徵選擇",
    "momentum": "動量",
    "weight decay": "權重衰減",
    # L01 — the course map and history
    "supervised learning": "督導式學習",
    "self-supervised learning": "自督導式學習",
    "foundation model": "基石模型",
    "unsupervised learning": "非督導式學習",
    "reinforcement learning": "增強式學習",
    "anomaly detection": "異常偵測",
    "explainable AI": "可解釋性人工智慧",
    "adversarial attack": "對抗式攻擊",
    "domain adaptation": "領域自適應",
    "network compression": "神經網路壓縮",
    "life-long learning": "終身學習",
    "meta learning": "元學習",
    "generative AI": "生成式人工智慧",
    "plateau": "高原",
    "cost": "成本",
    "closed-form solution": "解析解",
    "stochastic gradient descent": "隨機梯度下降",
    "perceptron": "感知器",
    "softmax": "軟最大值",
    "feature engineering": "特徵工程",
    "feature extractor": "特徵擷取器",
    "neural architecture search": "神經網路架構搜尋",
    # L02a/L02c — the general guide, classification, normalization
    "general guide": "機器學習任務攻略",
    "data augmentation": "資料擴增",
    "cross-validation": "交叉驗證",
    "mismatch": "不匹配",
    "one-hot encoding": "one-hot 編碼",
    "probabilistic generative model": "機率生成模型",
    "logistic regression": "邏輯斯迴歸",
    "feature normalization": "特徵標準化",
    "prior": "事前機率",
    "posterior": "事後機率",
    "naive Bayes": "單純貝氏",
    "maximum likelihood estimation": "最大概似估計",
    "discriminative model": "判別式模型",
    "generative model": "生成式模型",
    # L02b — optimization
    "critical point": "臨界點",
    "local maximum": "局部最大值",
    "Hessian": "海森矩陣",
    "eigenvalue": "特徵值",
    "adaptive learning rate": "自動調整學習速率",
    "learning rate scheduling": "學習率排程",
    "warm-up": "預熱",
    "bias correction": "偏差修正",
    # L04/L05 — self-attention and the Transformer
    "self-attention": "自注意力機制",
    "multi-head attention": "多頭注意力",
    "positional encoding": "位置編碼",
    "sequence to sequence": "序列到序列",
    "encoder": "編碼器",
    "decoder": "解碼器",
    "autoregressive": "自迴歸",
    "non-autoregressive": "非自迴歸",
    "cross-attention": "交叉注意力",
    "masked self-attention": "遮罩自注意力",
    "teacher forcing": "教師強制",
    "exposure bias": "曝光偏差",
    "scheduled sampling": "排程取樣",
    "beam search": "束搜尋",
    "greedy decoding": "貪婪解碼",
    "copy mechanism": "複製機制",
    "guided attention": "引導注意力",
    "layer normalization": "層標準化",
    "residual connection": "殘差連接",
    "token": "詞元",
    "machine translation": "機器翻譯",
    "speech recognition": "語音辨識",
    "word embedding": "詞嵌入",
    "sequence labeling": "序列標註",
    "query": "查詢",
    "key": "鍵",
    "value": "值",
    "truncated self-attention": "截斷式自注意力",
    "receptive field": "感受野",
    "kernel regression": "核迴歸",
    "attention pooling": "注意力匯聚",
    # L03 — CNN
    "convolutional neural network": "卷積神經網路",
    "parameter sharing": "參數共享",
    "filter": "濾波器",
    "stride": "步幅",
    "padding": "填充",
    "feature map": "特徵圖",
    "pooling": "池化",
    "spatial transformer": "空間轉換器",
}


def term(english: str) -> str:
    """``english（中文）`` for a glossary term; a clear error for an unknown one."""
    try:
        return f"{english}（{GLOSSARY[english]}）"
    except KeyError:
        message = f"{english!r} is not in course_utils.glossary.GLOSSARY; add it there."
        raise KeyError(message) from None


def term_table(terms: Iterable[str]) -> Markdown:
    """A Markdown English / 繁中 table of the given terms, for the end of a notebook."""
    rows = [f"| {t} | {GLOSSARY[t]} |" for t in terms]
    return Markdown("\n".join(["| English | 繁體中文 |", "|---|---|", *rows]))
