// The 复核 page: 复核总分 and 复核等级 follow the typed scores, by the grade floors the page
// gives (the same rule that grades 自评); the server computes them again when saving.
(() => {
  const form = document.getElementById("review-form");
  const floorsData = document.getElementById("grade-floors");
  if (!form || !floorsData) return;
  const floors = JSON.parse(floorsData.textContent);
  const total = document.getElementById("review-total");
  const grade = document.getElementById("review-grade");
  const inputs = () => [
    form.querySelector("[name=budget_score]"),
    ...form.querySelectorAll("input[name^=score_]"),
  ];
  // Hundredths as integers, so that the sum is exact.
  const cents = (text) => {
    const cleaned = text.replace(/[\s,，]/g, "").replace(/[０-９．]/g, (c) =>
      String.fromCharCode(c.charCodeAt(0) - 0xfee0));
    if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
    const [whole, part = ""] = cleaned.split(".");
    return Number(whole) * 100 + Number((part + "00").slice(0, 2));
  };
  const update = () => {
    let sum = 0;
    for (const input of inputs()) {
      const value = input ? cents(input.value) : null;
      if (value === null) {
        total.textContent = "（请填写各项复核得分）";
        grade.textContent = "";
        return;
      }
      sum += value;
    }
    const text = `${Math.floor(sum / 100)}.${String(sum % 100).padStart(2, "0")}`;
    total.textContent = text;
    const found = floors.find(([floor]) => sum >= Math.round(Number(floor) * 100));
    grade.textContent = found ? `复核等级 ${found[1]}` : "";
  };
  form.addEventListener("input", update);
  // Scores typed while the page was still loading count too.
  update();
})();
