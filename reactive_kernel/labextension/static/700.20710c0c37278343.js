"use strict";(self.rspackChunkreactive_kernel_labextension=self.rspackChunkreactive_kernel_labextension||[]).push([[700],{646(e,r,o){var t=o(601),a=o.n(t),n=o(314),c=(o.n(n))()(a());c.push([e.id,`/* Reactive kernel: cell statuses, cascade plan and progress, dependencies.
   Everything is scoped to notebooks on the \`reactive\` kernel. */

.jp-reactive-notebook .jp-Cell.jp-reactive-cell {
  position: relative;
}

/* -- diagnostics (mutates-foreign ...), between a cell's input and outputs -- */

.jp-reactive-diagnostics {
  margin: 2px 0 2px calc(var(--jp-cell-prompt-width, 64px) + var(--jp-cell-collapser-width, 8px));
  font-family: var(--jp-ui-font-family);
  font-size: var(--jp-ui-font-size1);
  color: var(--jp-ui-font-color1);
}

.jp-reactive-diagnostic-badge {
  display: inline-block;
  padding: 0 6px;
  border-radius: 8px;
  font-weight: 600;
  color: var(--jp-warn-color0);
  background: var(--jp-warn-color3);
  border: 1px solid var(--jp-warn-color2);
}

/* -- status badge, under the execution count in the prompt column -------- */

.jp-reactive-badge {
  position: absolute;
  top: calc(var(--jp-cell-padding, 5px) + 20px);
  left: calc(var(--jp-cell-padding, 5px) + var(--jp-cell-collapser-width, 8px));
  width: calc(var(--jp-cell-prompt-width, 64px) - 8px);
  box-sizing: border-box;
  text-align: right;
  pointer-events: auto;
  user-select: none;
  z-index: 1;
}

.jp-reactive-badge > span {
  display: inline-block;
  padding: 0 4px;
  border-radius: 3px;
  font-family: var(--jp-ui-font-family);
  font-size: 9px;
  line-height: 14px;
  letter-spacing: 0.02em;
  color: var(--jp-ui-font-color2);
  background: var(--jp-layout-color2);
  border: 1px solid var(--jp-border-color2);
}

.jp-reactive-badge[data-status='success'] > span {
  color: var(--jp-success-color1);
  border-color: var(--jp-success-color2);
  background: var(--jp-success-color3);
}

.jp-reactive-badge[data-status='error'] > span,
.jp-reactive-badge[data-status='blocked'] > span {
  color: var(--jp-error-color1);
  border-color: var(--jp-error-color2);
  background: var(--jp-error-color3);
}

.jp-reactive-badge[data-status='stale'] > span {
  color: var(--jp-warn-color1);
  border-color: var(--jp-warn-color2);
  background: var(--jp-warn-color3);
}

.jp-reactive-badge[data-status='queued'] > span,
.jp-reactive-badge[data-status='running'] > span {
  color: var(--jp-brand-color1);
  border-color: var(--jp-brand-color2);
  background: var(--jp-brand-color3);
}

.jp-reactive-badge[data-status='running'] > span {
  animation: jp-reactive-pulse 1s ease-in-out infinite alternate;
}

@keyframes jp-reactive-pulse {
  from {
    opacity: 1;
  }

  to {
    opacity: 0.45;
  }
}

/* -- cells with a problem, and cells a running cascade will run ---------- */

.jp-reactive-notebook .jp-Cell.jp-reactive-status-error .jp-InputPrompt,
.jp-reactive-notebook .jp-Cell.jp-reactive-status-blocked .jp-InputPrompt {
  color: var(--jp-error-color1);
}

.jp-reactive-notebook .jp-Cell.jp-reactive-status-stale .jp-InputArea-editor {
  border-style: dashed;
}

.jp-reactive-notebook .jp-Cell.jp-reactive-planned {
  box-shadow: inset 3px 0 0 var(--jp-brand-color2);
}

.jp-reactive-notebook .jp-Cell.jp-reactive-status-running {
  box-shadow: inset 3px 0 0 var(--jp-brand-color1);
}

/* -- Show Dependencies ----------------------------------------------------- */

.jp-reactive-notebook .jp-Cell.jp-reactive-dep-focus {
  box-shadow: inset 0 0 0 2px var(--jp-brand-color1);
}

.jp-reactive-notebook .jp-Cell.jp-reactive-dep-ancestor {
  background: var(--jp-info-color3, #e1f5fe);
  box-shadow: inset 4px 0 0 var(--jp-info-color1, #0288d1);
}

.jp-reactive-notebook .jp-Cell.jp-reactive-dep-descendant {
  background: var(--jp-warn-color3, #fff3e0);
  box-shadow: inset 4px 0 0 var(--jp-warn-color1, #f57c00);
}

.jp-reactive-notebook .jp-Cell.jp-reactive-dep-ancestor .jp-InputPrompt::after {
  content: ' ↑';
}

.jp-reactive-notebook .jp-Cell.jp-reactive-dep-descendant .jp-InputPrompt::after {
  content: ' ↓';
}

/* -- toolbar progress item ------------------------------------------------ */

.jp-reactive-progress {
  display: flex;
  align-items: center;
  gap: 6px;
  padding: 0 6px;
  font-family: var(--jp-ui-font-family);
  font-size: var(--jp-ui-font-size1);
  color: var(--jp-ui-font-color2);
  white-space: nowrap;
}

.jp-reactive-progress-bar {
  width: 48px;
  height: 6px;
  border-radius: 3px;
  background: var(--jp-layout-color3);
  overflow: hidden;
}

.jp-reactive-progress-fill {
  height: 100%;
  width: 0;
  background: var(--jp-brand-color1);
  transition: width 0.15s ease-out;
}

.jp-reactive-progress[data-state='done'] .jp-reactive-progress-fill {
  background: var(--jp-success-color1);
}

.jp-reactive-progress[data-state='failed'] .jp-reactive-progress-fill {
  background: var(--jp-error-color1);
}

.jp-reactive-progress[data-state='failed'] .jp-reactive-progress-label {
  color: var(--jp-error-color1);
}

/* Expensive notebooks (src/options.ts): disabled and cached cells, lazy mode. */
.jp-reactive-badge[data-status='disabled'] > span {
  background: transparent;
  color: var(--jp-ui-font-color2);
  border: 1px dotted var(--jp-border-color1);
}

.jp-reactive-badge[data-cached='true'] > span {
  background: var(--jp-success-color1);
  color: white;
  font-style: italic;
}

.jp-reactive-notebook .jp-Cell.jp-reactive-status-disabled .jp-InputArea-editor,
.jp-reactive-notebook .jp-Cell.jp-reactive-status-disabled .jp-OutputArea {
  opacity: 0.45;
}

.jp-reactive-notebook .jp-Cell.jp-reactive-status-stale {
  border-left: 3px solid var(--jp-warn-color1);
}

.jp-reactive-lazy-button.jp-reactive-lazy-on {
  font-weight: bold;
  background: var(--jp-layout-color2);
}
`,""]),o.d(r,{},{A:c})},314(e){e.exports=function(e){var r=[];return r.toString=function(){return this.map(function(r){var o="",t=void 0!==r[5];return r[4]&&(o+="@supports (".concat(r[4],") {")),r[2]&&(o+="@media ".concat(r[2]," {")),t&&(o+="@layer".concat(r[5].length>0?" ".concat(r[5]):""," {")),o+=e(r),t&&(o+="}"),r[2]&&(o+="}"),r[4]&&(o+="}"),o}).join("")},r.i=function(e,o,t,a,n){"string"==typeof e&&(e=[[null,e,void 0]]);var c={};if(t)for(var p=0;p<this.length;p++){var i=this[p][0];null!=i&&(c[i]=!0)}for(var s=0;s<e.length;s++){var l=[].concat(e[s]);t&&c[l[0]]||(void 0!==n&&(void 0===l[5]||(l[1]="@layer".concat(l[5].length>0?" ".concat(l[5]):""," {").concat(l[1],"}")),l[5]=n),o&&(l[2]&&(l[1]="@media ".concat(l[2]," {").concat(l[1],"}")),l[2]=o),a&&(l[4]?(l[1]="@supports (".concat(l[4],") {").concat(l[1],"}"),l[4]=a):l[4]="".concat(a)),r.push(l))}},r}},601(e){e.exports=function(e){return e[1]}},72(e){var r=[];function o(e){for(var o=-1,t=0;t<r.length;t++)if(r[t].identifier===e){o=t;break}return o}function t(e,t){for(var a={},n=[],c=0;c<e.length;c++){var p=e[c],i=t.base?p[0]+t.base:p[0],s=a[i]||0,l="".concat(i," ").concat(s);a[i]=s+1;var d=o(l),u={css:p[1],media:p[2],sourceMap:p[3],supports:p[4],layer:p[5]};if(-1!==d)r[d].references++,r[d].updater(u);else{var v=function(e,r){var o=r.domAPI(r);return o.update(e),function(r){r?(r.css!==e.css||r.media!==e.media||r.sourceMap!==e.sourceMap||r.supports!==e.supports||r.layer!==e.layer)&&o.update(e=r):o.remove()}}(u,t);t.byIndex=c,r.splice(c,0,{identifier:l,updater:v,references:1})}n.push(l)}return n}e.exports=function(e,a){var n=t(e=e||[],a=a||{});return function(e){e=e||[];for(var c=0;c<n.length;c++){var p=o(n[c]);r[p].references--}for(var i=t(e,a),s=0;s<n.length;s++){var l=o(n[s]);0===r[l].references&&(r[l].updater(),r.splice(l,1))}n=i}}},659(e){var r={};e.exports=function(e,o){var t=function(e){if(void 0===r[e]){var o=document.querySelector(e);if(window.HTMLIFrameElement&&o instanceof window.HTMLIFrameElement)try{o=o.contentDocument.head}catch(e){o=null}r[e]=o}return r[e]}(e);if(!t)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");t.appendChild(o)}},540(e){e.exports=function(e){var r=document.createElement("style");return e.setAttributes(r,e.attributes),e.insert(r,e.options),r}},56(e,r,o){e.exports=function(e){var r=o.nc;r&&e.setAttribute("nonce",r)}},825(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var r=e.insertStyleElement(e);return{update:function(o){var t,a,n;t="",o.supports&&(t+="@supports (".concat(o.supports,") {")),o.media&&(t+="@media ".concat(o.media," {")),(a=void 0!==o.layer)&&(t+="@layer".concat(o.layer.length>0?" ".concat(o.layer):""," {")),t+=o.css,a&&(t+="}"),o.media&&(t+="}"),o.supports&&(t+="}"),(n=o.sourceMap)&&"u">typeof btoa&&(t+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(n))))," */")),e.styleTagTransform(t,r,e.options)},remove:function(){var e;null===(e=r).parentNode||e.parentNode.removeChild(e)}}}},113(e){e.exports=function(e,r){if(r.styleSheet)r.styleSheet.cssText=e;else{for(;r.firstChild;)r.removeChild(r.firstChild);r.appendChild(document.createTextNode(e))}}},959(e,r,o){var t=o(72),a=o.n(t),n=o(825),c=o.n(n),p=o(659),i=o.n(p),s=o(56),l=o.n(s),d=o(540),u=o.n(d),v=o(113),j=o.n(v),b=o(646),f={};f.styleTagTransform=j(),f.setAttributes=l(),f.insert=i().bind(null,"head"),f.domAPI=c(),f.insertStyleElement=u(),a()(b.A,f),b.A&&b.A.locals&&b.A.locals}}]);