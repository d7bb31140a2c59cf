// memberkpi: what GX's Data Docs do with jQuery and Bootstrap's script,
// done without them (quality.data_docs drops those CDN scripts): open and
// close collapsed blocks ("Show more info...") and the "Failed Only"
// filter of a validation result page. Loaded with `defer`, after the
// page's own scripts, so that it can replace the filter functions they
// define with jQuery.
"use strict";

document.addEventListener("click", function (event) {
  const toggle = event.target.closest('[data-toggle="collapse"]');
  if (!toggle) {
    return;
  }
  const selector = toggle.getAttribute("data-target") || toggle.getAttribute("href") || "";
  // GX gives the notes of one section one id; Bootstrap toggles them all
  const targets = document.querySelectorAll('[id="' + selector.replace(/^#/, "") + '"]');
  if (targets.length === 0) {
    return;
  }
  event.preventDefault();
  const open = !targets[0].classList.contains("show");
  targets.forEach(function (target) {
    target.classList.toggle("show", open);
  });
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});

function setShown(element, shown) {
  if (element) {
    element.style.display = shown ? "" : "none";
  }
}

function showSucceeded(shown) {
  document.querySelectorAll(".hide-succeeded-validation-target-child").forEach(function (child) {
    setShown(child.parentElement, shown);
  });
  document.querySelectorAll(".hide-succeeded-validation-target").forEach(function (element) {
    setShown(element, shown);
  });
  document
    .querySelectorAll(".hide-succeeded-validations-column-section-target-child")
    .forEach(function (child) {
      const section = child.parentElement && child.parentElement.parentElement;
      if (!section) {
        return;
      }
      setShown(section, shown);
      if (section.id) {
        document.querySelectorAll('a[href$="' + section.id + '"]').forEach(function (link) {
          setShown(link, shown);
        });
      }
    });
}

window.showAllValidations = function () {
  showSucceeded(true);
};
window.hideSucceededValidations = function () {
  showSucceeded(false);
};

document.querySelectorAll(".btn-group-toggle label").forEach(function (label) {
  label.addEventListener("click", function () {
    label.parentElement.querySelectorAll("label").forEach(function (other) {
      other.classList.toggle("active", other === label);
    });
  });
});
